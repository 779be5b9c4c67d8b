import { overQuota } from '../../../common/network/neutron-errors';
import { newPortsPerInstance } from '../../../common/network/requested-networks';

describe("Neutron's OverQuota", () => {
  it('names the resources over their limit as Python prints a sorted list', () => {
    const error = overQuota(['subnet', 'port']);
    expect([error.status, error.neutronType, error.message]).toEqual([
      409,
      'OverQuota',
      "Quota exceeded for resources: ['port', 'subnet'].",
    ]);
  });
});

describe("Nova's ports needed per instance", () => {
  it('counts a port per network asked for, one for auto, none for a passed-in port', () => {
    expect(newPortsPerInstance('none')).toBe(0);
    expect(newPortsPerInstance('auto')).toBe(1);
    expect(
      newPortsPerInstance([{ networkId: 'a' }, { portId: 'p' }, { networkId: 'a', fixedIp: '10.0.0.5' }]),
    ).toBe(2);
  });
});
