import { formatIp, parseCidr, parseIp } from '../../common/network/ip-address';
import { planSubnet } from '../../common/network/subnet-plan';

describe('IP addresses and subnet plans', () => {
  it('reads and writes IPv4 and IPv6 addresses in canonical form', () => {
    const canonical = (text: string) => {
      const ip = parseIp(text)!;
      return formatIp(ip.value, ip.version);
    };
    expect(canonical('10.0.0.5')).toBe('10.0.0.5');
    expect(canonical('FD00:0:0:0:0:0:0:1')).toBe('fd00::1');
    expect(canonical('2001:db8:0:1:1:1:1:1')).toBe('2001:db8:0:1:1:1:1:1');
    expect(canonical('2001:0:0:1:0:0:0:1')).toBe('2001:0:0:1::1');
    expect(canonical('::ffff:10.0.0.1')).toBe('::ffff:a00:1');
    expect(canonical('::')).toBe('::');
    expect(parseIp('10.0.0.256')).toBeUndefined();
    expect(parseIp('fe80::1%eth0')).toBeUndefined();
  });

  it('refuses CIDRs with host bits set, naming the one meant', () => {
    expect(parseCidr('10.0.0.0/24')).toMatchObject({ version: 4, prefix: 24 });
    expect(parseCidr('10.0.0.5/24')).toEqual({
      error: "'10.0.0.5/24' isn't a recommended CIDR, '10.0.0.0/24' is recommended",
    });
    expect(parseCidr('10.0.0.0/33')).toEqual({ error: "'10.0.0.0/33' is not a valid IP subnet" });
    expect(parseCidr('fd00::/64')).toMatchObject({ version: 6, prefix: 64 });
  });

  it("fills in Neutron's defaults: the first host as gateway, the other hosts as the pool", () => {
    expect(planSubnet({ cidr: '10.0.0.0/24' })).toEqual({
      ipVersion: 4,
      cidr: '10.0.0.0/24',
      gatewayIp: '10.0.0.1',
      allocationPools: [{ start: '10.0.0.2', end: '10.0.0.254' }],
    });
    expect(planSubnet({ cidr: '10.0.0.0/29', gatewayIp: null }).allocationPools).toEqual([
      { start: '10.0.0.1', end: '10.0.0.6' },
    ]);
    expect(planSubnet({ cidr: '10.0.0.0/29', gatewayIp: '10.0.0.6' }).allocationPools).toEqual([
      { start: '10.0.0.1', end: '10.0.0.5' },
    ]);
  });

  it('refuses plans Neutron refuses, in its words', () => {
    const refusal = (request: Parameters<typeof planSubnet>[0]) => {
      try {
        planSubnet(request);
      } catch (error) {
        return { status: (error as { status: number }).status, message: (error as Error).message };
      }
      throw new Error('accepted');
    };
    expect(
      refusal({ cidr: '10.0.0.0/30', allocationPools: [{ start: '10.0.0.2', end: '10.0.0.3' }] }),
    ).toEqual({
      status: 400,
      message: 'The allocation pool 10.0.0.2-10.0.0.3 spans beyond the subnet cidr 10.0.0.0/30.',
    });
    expect(
      refusal({
        cidr: '10.0.0.0/24',
        allocationPools: [
          { start: '10.0.0.10', end: '10.0.0.20' },
          { start: '10.0.0.20', end: '10.0.0.30' },
        ],
      }),
    ).toEqual({
      status: 409,
      message:
        'Found overlapping allocation pools: 10.0.0.10-10.0.0.20 10.0.0.20-10.0.0.30 for subnet 10.0.0.0/24.',
    });
    expect(refusal({ cidr: '10.0.0.0/24', gatewayIp: '10.0.0.255' })).toEqual({
      status: 400,
      message: 'Invalid input for operation: Gateway is not valid on subnet.',
    });
    expect(refusal({ cidr: '10.0.0.0/32' })).toEqual({
      status: 400,
      message: 'Invalid input for operation: The subnet 10.0.0.0/32 has no address for hosts.',
    });
  });
});
