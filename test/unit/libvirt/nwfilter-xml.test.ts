import { type FirewallRule, type GuestInterface } from '../../../apps/worker-compute/virt/driver';
import { portFilterName, portFilterXml } from '../../../apps/worker-compute/virt/libvirt/nwfilter-xml';

const UUID = '6f1e2d3c-4b5a-4968-8776-655443322110';
const PORT = '0b3c2d1e-0000-4000-8000-000000000001';

const rule = (overrides: Partial<FirewallRule>): FirewallRule => ({
  direction: 'ingress',
  ethertype: 'IPv4',
  protocol: null,
  portRangeMin: null,
  portRangeMax: null,
  remoteIpPrefix: null,
  ...overrides,
});

const nic = (overrides: Partial<GuestInterface> = {}): GuestInterface => ({
  portId: PORT,
  networkId: 'n',
  networkName: 'private',
  macAddress: 'FA:16:3E:00:00:01',
  fixedIps: ['10.0.0.5'],
  firewallRules: [],
  ...overrides,
});

/** The rule elements of a filter, one string each, whitespace collapsed. */
const rulesOf = (xml: string) =>
  [...xml.matchAll(/<rule [^>]*>\s*<[^>]*\/>\s*<\/rule>/g)].map((m) => m[0].replace(/\s+/g, ' '));

describe('libvirt nwfilter of a port', () => {
  it('is named by the instance and the port, with the same uuid every time', () => {
    const xml = portFilterXml(UUID, nic());
    expect(xml).toContain(`<filter name="nova-instance-${UUID}-${PORT}" chain="root">`);
    expect(portFilterName(UUID, PORT)).toBe(`nova-instance-${UUID}-${PORT}`);
    const uuid = /<uuid>([0-9a-f-]{36})<\/uuid>/.exec(xml)?.[1];
    expect(uuid).toBeDefined();
    expect(portFilterXml(UUID, nic({ fixedIps: ['10.0.0.6'] }))).toContain(`<uuid>${uuid}</uuid>`);
    expect(portFilterXml(UUID, nic({ portId: 'other' }))).not.toContain(`<uuid>${uuid}</uuid>`);
  });

  it("refers to clean-traffic with the port's MAC and IPv4 addresses", () => {
    const xml = portFilterXml(UUID, nic({ fixedIps: ['10.0.0.5', '10.0.1.5'] }));
    expect(xml).toMatch(
      /<filterref filter="clean-traffic">\s*<parameter name="MAC" value="fa:16:3e:00:00:01"\/>\s*<parameter name="IP" value="10.0.0.5"\/>\s*<parameter name="IP" value="10.0.1.5"\/>/,
    );
    expect(xml).not.toContain('no-ipv6-spoofing');
  });

  it('lets IPv6 through from its addresses and its link-local one only when it has IPv6 addresses', () => {
    const xml = portFilterXml(UUID, nic({ fixedIps: ['10.0.0.5', '2001:db8::5'] }));
    expect(xml).toMatch(
      /<filterref filter="no-ipv6-spoofing">\s*<parameter name="IPV6" value="fe80::f816:3eff:fe00:1"\/>\s*<parameter name="IPV6" value="2001:db8::5"\/>/,
    );
    expect(xml).toContain('<mac protocolid="ipv6"/>');
  });

  it('turns each rule into an accepted new connection, with the rest dropped after them', () => {
    const xml = portFilterXml(
      UUID,
      nic({
        firewallRules: [
          rule({ protocol: 'tcp', portRangeMin: 22, portRangeMax: 22, remoteIpPrefix: '10.2.3.124/24' }),
          rule({ protocol: '17', portRangeMin: 5000, portRangeMax: 5010 }),
          rule({ protocol: 'icmp', portRangeMin: 8, portRangeMax: 0, remoteIpPrefix: '0.0.0.0/0' }),
          rule({ direction: 'egress', ethertype: 'IPv6', remoteIpPrefix: '2001:db8::/32' }),
          rule({ ethertype: 'IPv6', protocol: 'icmp', portRangeMin: 128 }),
          rule({ direction: 'egress', remoteIpPrefix: '192.0.2.7' }),
        ],
      }),
    );
    const accepted = rulesOf(xml).filter((r) => r.includes('priority="500"'));
    expect(accepted).toEqual([
      '<rule action="accept" direction="in" priority="500"> <tcp srcipaddr="10.2.3.124" srcipmask="24" dstportstart="22" dstportend="22" state="NEW"/> </rule>',
      '<rule action="accept" direction="in" priority="500"> <udp dstportstart="5000" dstportend="5010" state="NEW"/> </rule>',
      '<rule action="accept" direction="in" priority="500"> <icmp type="8" code="0" state="NEW"/> </rule>',
      '<rule action="accept" direction="out" priority="500"> <all-ipv6 dstipaddr="2001:db8::" dstipmask="32" state="NEW"/> </rule>',
      '<rule action="accept" direction="in" priority="500"> <icmpv6 type="128" state="NEW"/> </rule>',
      '<rule action="accept" direction="out" priority="500"> <all dstipaddr="192.0.2.7" dstipmask="32" state="NEW"/> </rule>',
    ]);
    expect(rulesOf(xml)).toContain('<rule action="drop" direction="inout" priority="1000"><all/></rule>');
    expect(rulesOf(xml)).toContain(
      '<rule action="drop" direction="inout" priority="1000"><all-ipv6/></rule>',
    );
    expect(rulesOf(xml)).toContain(
      '<rule action="accept" direction="inout" priority="100"><all state="ESTABLISHED,RELATED"/></rule>',
    );
  });

  it('leaves out a rule of a protocol libvirt cannot match, so that its traffic stays dropped', () => {
    const xml = portFilterXml(
      UUID,
      nic({ firewallRules: [rule({ protocol: 'gre' }), rule({ protocol: '112' })] }),
    );
    expect(rulesOf(xml).filter((r) => r.includes('priority="500"'))).toEqual([]);
    expect(xml).toContain('<all/></rule>');
  });

  it('filters nothing for a port with port security off', () => {
    const xml = portFilterXml(UUID, nic({ firewallRules: null }));
    expect(xml).not.toContain('<rule');
    expect(xml).not.toContain('<filterref');
  });
});
