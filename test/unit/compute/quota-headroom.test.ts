import { headroom, type QuotaLimits } from '../../../common/compute/quotas';

const limits = (instances: number, cores: number, ram: number) =>
  ({ instances, cores, ram }) as unknown as QuotaLimits;
const usage = { instances: 2, cores: 4, ram: 1024, server_groups: 0 };
const flavor = { vcpus: 2, memoryMb: 512 };

describe("headroom: how many more instances a project's quota allows (Nova's check_num_instances_quota)", () => {
  it('is the tightest of instances, cores and ram', () => {
    expect(headroom(limits(10, 20, 51200), usage, flavor)).toBe(8);
    expect(headroom(limits(10, 9, 51200), usage, flavor)).toBe(2);
    expect(headroom(limits(10, 20, 2048), usage, flavor)).toBe(2);
  });

  it('is never below zero, even over a lowered quota', () => {
    expect(headroom(limits(1, 20, 51200), usage, flavor)).toBe(0);
  });

  it('is unbounded only when all three are unlimited (-1)', () => {
    expect(headroom(limits(-1, -1, -1), usage, flavor)).toBe(Infinity);
    expect(headroom(limits(-1, -1, 4096), usage, flavor)).toBe(6);
  });
});
