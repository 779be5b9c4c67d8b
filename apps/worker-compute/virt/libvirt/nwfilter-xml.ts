import { createHash } from 'node:crypto';
import { type FirewallRule, type GuestInterface } from '../driver';
import { escapeXml as x } from './escape-xml';

/** The prefix of every filter of an instance's ports: destroying the instance undefines them all. */
export const instanceFilterPrefix = (instanceUuid: string) => `nova-instance-${instanceUuid}-`;

/** The libvirt nwfilter of one port of an instance (Nova's nova-instance-<instance>-<vif>). */
export const portFilterName = (instanceUuid: string, portId: string) =>
  `${instanceFilterPrefix(instanceUuid)}${portId}`;

/**
 * A uuid of the filter's name: libvirt refuses to define a filter again under a uuid other than
 * the one it has, and one left out is made at random, so the same one is given every time.
 */
function filterUuid(name: string): string {
  const hex = createHash('sha256').update(`novaflow-nwfilter:${name}`).digest('hex');
  const variant = ((parseInt(hex[16], 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The protocol elements of libvirt's iptables layer, by IANA number, for IPv4 and IPv6. */
const PROTOCOL_ELEMENTS: Record<number, [v4: string, v6: string]> = {
  1: ['icmp', 'icmpv6'],
  2: ['igmp', ''],
  6: ['tcp', 'tcp-ipv6'],
  17: ['udp', 'udp-ipv6'],
  50: ['esp', 'esp-ipv6'],
  51: ['ah', 'ah-ipv6'],
  58: ['', 'icmpv6'],
  132: ['sctp', 'sctp-ipv6'],
  136: ['udplite', 'udplite-ipv6'],
};
const PROTOCOL_NUMBERS: Record<string, number> = {
  icmp: 1, igmp: 2, tcp: 6, udp: 17, esp: 50, ah: 51, 'ipv6-icmp': 58, icmpv6: 58, sctp: 132, udplite: 136,
}; // prettier-ignore
const PORTED = new Set([6, 17, 132, 136]);
const ICMP = new Set([1, 58]);

/** The rule's protocol element (all, tcp, icmpv6...), or undefined for one libvirt cannot match. */
function elementOf(rule: FirewallRule): string | undefined {
  const v6 = rule.ethertype === 'IPv6';
  if (rule.protocol === null) return v6 ? 'all-ipv6' : 'all';
  const number = /^\d+$/.test(rule.protocol) ? Number(rule.protocol) : PROTOCOL_NUMBERS[rule.protocol];
  // Neutron takes icmp on an IPv6 rule for ICMPv6, as its agents do.
  return PROTOCOL_ELEMENTS[number]?.[v6 ? 1 : 0] || undefined;
}

/** The remote side of a rule: srcipaddr for ingress, dstipaddr for egress, as address and prefix length. */
function remoteOf(rule: FirewallRule): string {
  if (!rule.remoteIpPrefix) return '';
  const [address, length] = rule.remoteIpPrefix.split('/');
  const bits = length ?? (rule.ethertype === 'IPv6' ? '128' : '32');
  if (Number(bits) === 0) return ''; // 0.0.0.0/0, ::/0: anywhere.
  const side = rule.direction === 'ingress' ? 'src' : 'dst';
  return ` ${side}ipaddr="${x(address)}" ${side}ipmask="${x(bits)}"`;
}

/** The rule's ports (TCP, UDP...), or ICMP's type and code (port_range_min and _max). */
function portsOf(rule: FirewallRule, element: string): string {
  const number = PROTOCOL_NUMBERS[element.replace('-ipv6', '')] ?? (element === 'icmpv6' ? 58 : 0);
  const { portRangeMin: min, portRangeMax: max } = rule;
  if (PORTED.has(number) && min !== null) return ` dstportstart="${min}" dstportend="${max ?? min}"`;
  if (ICMP.has(number)) {
    return `${min !== null ? ` type="${min}"` : ''}${max !== null ? ` code="${max}"` : ''}`;
  }
  return '';
}

/** A new connection one rule lets in (ingress: towards the guest) or out (egress: from it). */
function ruleXml(rule: FirewallRule): string | undefined {
  const element = elementOf(rule);
  if (!element) return undefined;
  const direction = rule.direction === 'ingress' ? 'in' : 'out';
  return [
    `  <rule action="accept" direction="${direction}" priority="500">`,
    `    <${element}${remoteOf(rule)}${portsOf(rule, element)} state="NEW"/>`,
    '  </rule>',
  ].join('\n');
}

/** What every filtered port allows besides its rules: replies, DHCP, IPv6 neighbour discovery. */
const BASE_RULES = [
  // Stateful, as Neutron's groups are: the replies of an allowed connection come back.
  '  <rule action="accept" direction="inout" priority="100"><all state="ESTABLISHED,RELATED"/></rule>',
  '  <rule action="accept" direction="inout" priority="100"><all-ipv6 state="ESTABLISHED,RELATED"/></rule>',
  '  <rule action="accept" direction="out" priority="200"><udp srcportstart="68" dstportstart="67"/></rule>',
  '  <rule action="accept" direction="in" priority="200"><udp srcportstart="67" dstportstart="68"/></rule>',
  '  <rule action="accept" direction="out" priority="200"><udp-ipv6 srcportstart="546" dstportstart="547"/></rule>',
  '  <rule action="accept" direction="in" priority="200"><udp-ipv6 srcportstart="547" dstportstart="546"/></rule>',
  ...[133, 135, 136].map(
    (type) => `  <rule action="accept" direction="out" priority="200"><icmpv6 type="${type}"/></rule>`,
  ),
  ...[134, 135, 136].map(
    (type) => `  <rule action="accept" direction="in" priority="200"><icmpv6 type="${type}"/></rule>`,
  ),
];

/** Whatever no rule allowed, either way. */
const DEFAULT_DROP = [
  '  <rule action="drop" direction="inout" priority="1000"><all/></rule>',
  '  <rule action="drop" direction="inout" priority="1000"><all-ipv6/></rule>',
];

/** The IPv6 link-local address of a MAC (EUI-64), which Neutron's anti-spoofing allows besides the port's own. */
function linkLocalOf(mac: string): string {
  const bytes = mac.split(':').map((part) => parseInt(part, 16));
  const eui = [bytes[0] ^ 0x02, bytes[1], bytes[2], 0xff, 0xfe, bytes[3], bytes[4], bytes[5]];
  const groups = [0, 2, 4, 6].map((i) => ((eui[i] << 8) | eui[i + 1]).toString(16));
  return `fe80::${groups.join(':')}`;
}

/**
 * Anti-spoofing with libvirt's standard filters: clean-traffic (the port's MAC, its IPv4
 * addresses, ARP) and, for a port with IPv6 addresses, no-ipv6-spoofing with IPv6 let through.
 * A port without an IPv4 address may send IPv4 only as a DHCP client (from 0.0.0.0).
 */
function antiSpoofing(nic: GuestInterface): string[] {
  const v4 = nic.fixedIps.filter((ip) => !ip.includes(':'));
  const v6 = nic.fixedIps.filter((ip) => ip.includes(':'));
  const mac = `    <parameter name="MAC" value="${x(nic.macAddress.toLowerCase())}"/>`;
  const lines = [
    '  <filterref filter="clean-traffic">',
    mac,
    ...(v4.length > 0 ? v4 : ['0.0.0.0']).map((ip) => `    <parameter name="IP" value="${x(ip)}"/>`),
    '  </filterref>',
  ];
  if (v6.length === 0) return lines;
  return [
    ...lines,
    '  <filterref filter="no-ipv6-spoofing">',
    ...[linkLocalOf(nic.macAddress), ...v6].map((ip) => `    <parameter name="IPV6" value="${x(ip)}"/>`),
    '  </filterref>',
    // After no-ipv6-spoofing's chain (-610), before clean-traffic drops all other L2 traffic.
    '  <rule action="accept" direction="out" priority="-600"><mac protocolid="ipv6"/></rule>',
    '  <filterref filter="allow-incoming-ipv6"/>',
  ];
}

/**
 * The nwfilter of one port, as Nova's libvirt firewall built it: anti-spoofing by libvirt's
 * standard filters, then each rule of the port's groups allowing new connections, replies of
 * allowed ones, and the rest dropped. A port with port security off gets a filter that lets all
 * through, so that its interface refers to one whatever the port becomes. A rule whose protocol
 * libvirt cannot match (GRE, VRRP...) is left out: its traffic is dropped, not let through.
 */
export function portFilterXml(instanceUuid: string, nic: GuestInterface): string {
  const name = portFilterName(instanceUuid, nic.portId);
  const rules = nic.firewallRules;
  const body =
    rules === null || rules === undefined
      ? []
      : [
          ...antiSpoofing(nic),
          ...BASE_RULES,
          ...rules.flatMap((rule) => ruleXml(rule) ?? []),
          ...DEFAULT_DROP,
        ];
  return [
    `<filter name="${x(name)}" chain="root">`,
    `  <uuid>${filterUuid(name)}</uuid>`,
    ...body,
    '</filter>',
    '',
  ].join('\n');
}
