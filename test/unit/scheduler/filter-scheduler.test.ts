import { selectHosts } from '../../../activities/conductor/scheduler/filter-scheduler';
import { capacity } from '../../../activities/conductor/scheduler/host-state';
import { type SchedulingRequest } from '../../../activities/conductor/scheduler/scheduling-request';
import { parseConfig } from '../../../common/config';
import { fakeHost } from './fake-host';

const request: SchedulingRequest = {
  instanceUuid: 'i-1',
  resources: { vcpus: 2, memoryMb: 4096, diskGb: 40 },
  imageProperties: {},
  sameHost: [],
  differentHost: [],
};
const config = (text = '') => parseConfig(text).config;
const used = (memoryMb: number) => ({ total: 32768, reserved: 0, allocationRatio: 1, used: memoryMb });

describe('filter scheduler', () => {
  it("applies placement's capacity: (total - reserved) x allocation ratio, minus allocations", () => {
    expect(capacity({ total: 16, reserved: 2, allocationRatio: 4, used: 0 })).toBe(56);
    const full = fakeHost('full', { vcpus: { total: 4, reserved: 0, allocationRatio: 1, used: 3 } });
    const overcommitted = fakeHost('ratio', {
      vcpus: { total: 4, reserved: 0, allocationRatio: 2, used: 3 },
    });
    const { hosts, rejections } = selectHosts([full, overcommitted], request, config());
    expect(hosts.map((host) => host.host)).toEqual(['ratio']);
    expect(rejections).toEqual(['placement: 1 of 2 nodes lack room']);
  });

  it('spreads to the host with most free RAM, and stacks with a negative multiplier', () => {
    const hosts = [
      fakeHost('busy', { memoryMb: used(20000) }),
      fakeHost('idle'),
      fakeHost('half', { memoryMb: used(10000) }),
    ];
    expect(selectHosts(hosts, request, config()).hosts.map((host) => host.host)).toEqual([
      'idle',
      'half',
      'busy',
    ]);
    const stacking = config('[filter_scheduler]\nram_weight_multiplier = -1.0\n');
    expect(selectHosts(hosts, request, stacking).hosts[0].host).toBe('busy');
  });

  it('returns max_attempts - 1 alternates after the chosen host', () => {
    const hosts = ['a', 'b', 'c', 'd', 'e'].map((name) => fakeHost(name));
    expect(selectHosts(hosts, request, config('[scheduler]\nmax_attempts = 2\n')).hosts).toHaveLength(2);
    expect(selectHosts(hosts, request, config()).hosts).toHaveLength(3);
  });

  it('picks at random among the best host_subset_size hosts', () => {
    const hosts = [
      fakeHost('best'),
      fakeHost('second', { memoryMb: used(1000) }),
      fakeHost('third', { memoryMb: used(2000) }),
    ];
    const subset = config('[filter_scheduler]\nhost_subset_size = 2\n');
    expect(selectHosts(hosts, request, subset, undefined, () => 0).hosts[0].host).toBe('best');
    expect(selectHosts(hosts, request, subset, undefined, () => 0.99).hosts[0].host).toBe('second');
    expect(selectHosts(hosts, request, subset, undefined, () => 0.99).hosts.map((h) => h.host)).toEqual([
      'second',
      'best',
      'third',
    ]);
  });

  it('says which filter left no host', () => {
    const { hosts, rejections } = selectHosts([fakeHost('a', { serviceUp: false })], request, config());
    expect(hosts).toEqual([]);
    expect(rejections).toEqual(['ComputeFilter rejected 1']);
  });

  it('prefers hosts without members for soft-anti-affinity', () => {
    const group = { uuid: 'g', policy: 'soft-anti-affinity' as const, memberHosts: ['a', 'a'] };
    const chosen = selectHosts([fakeHost('a'), fakeHost('b')], { ...request, group }, config());
    expect(chosen.hosts[0].host).toBe('b');
  });
});
