import { formatIp, parseIp } from '../../../../common/network/ip-address';
import { invalidInput } from '../../../../common/network/neutron-errors';
import { ruleBadRequest } from '../../../../common/network/security-group-errors';
import { type EtherType, type RuleDirection } from '../../../../entities';
import { ApiError } from '../../common/api-error';
import { pyRepr } from '../../common/py-repr';
import { type RuleBody } from './security-group.schemas';

/** The protocol names Neutron accepts, besides the numbers 0 to 255. */
const PROTOCOLS: Record<string, number> = {
  ah: 51, dccp: 33, egp: 8, esp: 50, gre: 47, hopopt: 0, icmp: 1, igmp: 2, ip: 0, ipip: 4,
  'ipv6-encap': 41, 'ipv6-frag': 44, 'ipv6-icmp': 58, icmpv6: 58, 'ipv6-nonxt': 59,
  'ipv6-opts': 60, 'ipv6-route': 43, ospf: 89, pgm: 113, rsvp: 46, sctp: 132, tcp: 6, udp: 17,
  udplite: 136, vrrp: 112,
}; // prettier-ignore

const PORTED = new Set([6, 17, 33, 132, 136]);
const ICMP = new Set([1, 58]);
const IPV6_ONLY = new Set([41, 43, 44, 58, 59, 60]);

export interface RuleValues {
  direction: RuleDirection;
  ethertype: EtherType;
  protocol: string | null;
  portRangeMin: number | null;
  portRangeMax: number | null;
  remoteIpPrefix: string | null;
}

const notIn = (field: string, value: unknown, allowed: string[]) =>
  new ApiError(
    'badRequest',
    `Invalid input for ${field}. Reason: ${pyRepr(value)} is not in ${pyRepr(allowed)}.`,
  );

function protocolOf(value: RuleBody['protocol']): { name: string | null; number: number | null } {
  if (value === undefined || value === null || value === '') return { name: null, number: null };
  const text = String(value).toLowerCase();
  if (/^\d+$/.test(text) && Number(text) <= 255) return { name: String(Number(text)), number: Number(text) };
  if (Object.hasOwn(PROTOCOLS, text)) return { name: text, number: PROTOCOLS[text] };
  throw ruleBadRequest(
    `Security group rule protocol ${value} not supported. Only protocol values ` +
      `${pyRepr([null, ...Object.keys(PROTOCOLS).sort()])} and integer representations [0 to 255] are supported.`,
    'SecurityGroupRuleInvalidProtocol',
  );
}

function portOf(value: RuleBody['port_range_min']): number | null {
  if (value === undefined || value === null) return null;
  if (/^\d+$/.test(String(value)) && Number(value) <= 65535) return Number(value);
  throw ruleBadRequest(`Invalid value for port ${value}.`, 'SecurityGroupInvalidPortValue');
}

/** Neutron's _validate_port_range: which protocols take ports, and ICMP's type and code. */
function checkPorts(protocol: number | null, min: number | null, max: number | null): void {
  if (min === null && max === null) return;
  if (protocol === null) {
    throw ruleBadRequest(
      'Must also specify protocol if port range is given.',
      'SecurityGroupProtocolRequiredWithPorts',
    );
  }
  if (PORTED.has(protocol)) {
    if (min === 0 || max === 0)
      throw ruleBadRequest('Invalid value for port 0.', 'SecurityGroupInvalidPortValue');
    if (min !== null && max !== null && min <= max) return;
    throw ruleBadRequest(
      'For TCP/UDP protocols, port_range_min must be <= port_range_max',
      'SecurityGroupInvalidPortRange',
    );
  }
  if (ICMP.has(protocol)) {
    for (const [value, attr, field] of [
      [min, 'port_range_min', 'type'],
      [max, 'port_range_max', 'code'],
    ] as const) {
      if (value !== null && value > 255) {
        throw ruleBadRequest(
          `Invalid value for ICMP ${field} (${attr}) ${value}. It must be 0 to 255.`,
          'SecurityGroupInvalidIcmpValue',
        );
      }
    }
    if (min === null) {
      throw ruleBadRequest(
        `ICMP code (port-range-max) ${max} is provided but ICMP type (port-range-min) is missing.`,
        'SecurityGroupMissingIcmpType',
      );
    }
    return;
  }
  if (min !== max) {
    throw ruleBadRequest(
      `Invalid protocol ${protocol} for port range, only supported for TCP, UDP, UDPLITE, SCTP and DCCP.`,
      'SecurityGroupInvalidProtocolForPortRange',
    );
  }
}

/**
 * A remote prefix as the network it names: a bare address is a /32 or /128, and host bits are
 * dropped (Neutron's normalized_cidr).
 */
function prefixOf(text: string, ethertype: EtherType): string {
  const [address, length, extra] = text.split('/');
  const ip = parseIp(address);
  const bits = ip?.version === 6 ? 128 : 32;
  const prefix = length === undefined ? bits : /^\d{1,3}$/.test(length) ? Number(length) : NaN;
  if (!ip || extra !== undefined || !(prefix <= bits)) {
    throw invalidInput(`'${text}' is not a valid IP prefix or address`);
  }
  if (`IPv${ip.version}` !== ethertype) {
    throw ruleBadRequest(
      `Conflicting value ethertype ${ethertype} for CIDR ${text}`,
      'SecurityGroupRuleParameterConflict',
    );
  }
  // As Neutron's _validate_ip_prefix (str(netaddr.IPNetwork(...))): the address as given, in its
  // canonical form, with the mask added when absent; host bits are kept, not cleared.
  return `${formatIp(ip.value, ip.version)}/${prefix}`;
}

/** The rule a create body asks for, checked in Neutron's order and words. */
export function ruleValues(body: RuleBody): RuleValues {
  if (!['ingress', 'egress'].includes(body.direction))
    throw notIn('direction', body.direction, ['ingress', 'egress']);
  const ethertype = { ipv4: 'IPv4', ipv6: 'IPv6' }[(body.ethertype ?? 'IPv4').toLowerCase()] as EtherType;
  if (!ethertype) throw notIn('ethertype', body.ethertype, ['IPv4', 'IPv6']);
  const protocol = protocolOf(body.protocol);
  const portRangeMin = portOf(body.port_range_min);
  const portRangeMax = portOf(body.port_range_max);
  if (body.remote_ip_prefix && body.remote_group_id) {
    throw ruleBadRequest(
      'Only remote_ip_prefix or remote_group_id may be provided.',
      'SecurityGroupRemoteGroupAndRemoteIpPrefix',
    );
  }
  if (ethertype === 'IPv4' && protocol.number !== null && IPV6_ONLY.has(protocol.number)) {
    throw ruleBadRequest(
      `Invalid ethertype ${ethertype} for protocol ${protocol.name}.`,
      'SecurityGroupEthertypeConflictWithProtocol',
    );
  }
  checkPorts(protocol.number, portRangeMin, portRangeMax);
  return {
    direction: body.direction as RuleDirection,
    ethertype,
    protocol: protocol.name,
    portRangeMin,
    portRangeMax,
    remoteIpPrefix: body.remote_ip_prefix ? prefixOf(body.remote_ip_prefix, ethertype) : null,
  };
}
