import { parseIp } from '../../../../common/network/ip-address';
import { isUuid } from '../../../../common/uuid';
import { ApiError, badRequest } from '../../common/api-error';

/**
 * Nova's translation of Neutron security groups (nova/network/security_group_api.py): the shapes
 * it converts Neutron's JSON into, the checks it makes before asking Neutron, and its words.
 */

export interface NeutronRule {
  id: string;
  security_group_id: string;
  direction: string;
  ethertype: string;
  protocol: string | null;
  port_range_min: number | null;
  port_range_max: number | null;
  remote_ip_prefix: string | null;
  remote_group_id: string | null;
}

export interface NeutronGroup {
  id: string;
  name: string;
  description: string;
  tenant_id: string;
  security_group_rules: NeutronRule[];
}

/** A rule as Nova holds it before formatting it: ingress only, ports filled in as Nova fills them. */
export interface NovaRule {
  id: string;
  parent_group_id: string;
  protocol: string | null;
  from_port: number | null;
  to_port: number | null;
  group_id: string | null;
  cidr: string;
}

export const invalid = (message: string) => new ApiError('badRequest', message);

/** validate_id: Nova refuses a group or rule id that is not a UUID before asking Neutron. */
export function validateId(id: unknown): string {
  if (typeof id !== 'string' || !isUuid(id)) throw invalid('Security group id should be uuid');
  return id;
}

/** netutils.is_valid_cidr: an address, a slash and a prefix length that fits it. */
function isValidCidr(text: string): boolean {
  const [address, length, extra] = text.split('/');
  if (length === undefined || extra !== undefined || !/^\d{1,3}$/.test(length)) return false;
  const ip = parseIp(address);
  return !!ip && Number(length) <= (ip.version === 6 ? 128 : 32);
}

/** parse_cidr: nothing means everywhere (IPv4); anything else must be a network. */
export function parseCidr(cidr: unknown): string {
  if (cidr === undefined || cidr === null || cidr === '') return '0.0.0.0/0';
  let text = String(cidr);
  try {
    text = decodeURIComponent(text);
  } catch {
    throw invalid(`${text} is not a valid IP network.`);
  }
  if (!isValidCidr(text)) throw invalid(`${text} is not a valid IP network.`);
  return text;
}

export function novaRule(rule: NeutronRule): NovaRule {
  const unported = rule.protocol && rule.port_range_min === null && rule.port_range_max === null;
  const wide = unported && ['TCP', 'UDP'].includes(rule.protocol!.toUpperCase());
  return {
    id: rule.id,
    parent_group_id: rule.security_group_id,
    protocol: rule.protocol,
    from_port: unported ? (wide ? 1 : -1) : rule.port_range_min,
    to_port: unported ? (wide ? 65535 : -1) : rule.port_range_max,
    group_id: rule.remote_group_id,
    cidr: parseCidr(rule.remote_ip_prefix),
  };
}

/** Nova shows only a group's ingress rules: it has no egress. */
export const ingressRules = (group: NeutronGroup) =>
  group.security_group_rules.filter((rule) => rule.direction === 'ingress').map(novaRule);

/** utils.check_string_length for a group's name and description (Neutron allows any character). */
export function checkProperty(value: unknown, property: string): string {
  if (typeof value !== 'string') throw invalid(`${property} is not a string or unicode`);
  if (value.length > 255) throw invalid(`${property} has ${value.length} characters, more than 255.`);
  return value;
}

/** Nova's _from_body: an empty body and a missing key are both 400s. */
export function fromBody(body: unknown, key: string): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Object.keys(body).length === 0)
    throw badRequest("The request body can't be empty");
  const value = (body as Record<string, unknown>)[key];
  if (value === undefined || value === null) throw badRequest(`Missing parameter ${key}`);
  if (typeof value !== 'object') throw badRequest(`Missing parameter ${key}`);
  return value as Record<string, unknown>;
}

export interface NewRule {
  group_id?: string;
  cidr?: string;
  protocol?: string;
  from_port?: number;
  to_port?: number;
}

const isInteger = (value: unknown) =>
  typeof value === 'number' ? Number.isInteger(value) : /^\s*[-+]?\d+\s*$/.test(String(value));

/** _new_ingress_rule: the rule Nova builds from from_port, to_port, ip_protocol and a source. */
export function newIngressRule(
  ipProtocol: unknown,
  fromPort: unknown,
  toPort: unknown,
  source: { groupId?: string; cidr?: string },
): NewRule | undefined {
  const values: NewRule = {};
  let from = fromPort ?? null;
  let to = toPort ?? null;
  if (source.groupId) {
    values.group_id = source.groupId;
    const upper = ipProtocol ? String(ipProtocol).toUpperCase() : '';
    if (upper === 'ICMP' && from === null && to === null) [from, to] = [-1, -1];
    else if (['TCP', 'UDP'].includes(upper) && from === null && to === null) [from, to] = [1, 65535];
  } else if (source.cidr) {
    values.cidr = source.cidr;
  }
  if (ipProtocol && from !== null && to !== null) {
    const protocol = String(ipProtocol);
    const upper = protocol.toUpperCase();
    if (!isInteger(from) || !isInteger(to)) {
      throw invalid(
        upper === 'ICMP'
          ? 'Invalid input received: Type and Code must be integers for ICMP protocol type'
          : 'Invalid input received: To and From ports must be integers',
      );
    }
    const [low, high] = [Number(from), Number(to)];
    if (!['TCP', 'UDP', 'ICMP'].includes(upper)) throw invalid(`Invalid IP protocol ${protocol}.`);
    const range = (why: string) => invalid(`Invalid port range ${low}:${high}. ${why}`);
    if (upper !== 'ICMP' && low > high) throw range('Former value cannot be greater than the later');
    if (upper !== 'ICMP' && (low < 1 || high > 65535))
      throw range(`Valid ${upper} ports should be between 1-65535`);
    if (upper === 'ICMP' && (low < -1 || low > 255 || high < -1 || high > 255))
      throw range('For ICMP, the type:code must be valid');
    return { ...values, protocol, from_port: low, to_port: high };
  }
  // A cidr rule needs a protocol and ports.
  return source.cidr ? undefined : values;
}

/** _rule_exists: the id of an ingress rule with the same source, ports and protocol. */
export function existingRule(rules: NovaRule[], rule: NewRule): string | undefined {
  const keys = ['group_id', 'cidr', 'from_port', 'to_port', 'protocol'] as const;
  const norm = (value: unknown) => (value === undefined ? null : value);
  return rules.find((existing) => keys.every((key) => norm(existing[key]) === norm(rule[key])))?.id;
}

/** _make_neutron_security_group_rules_list: every Nova rule is ingress; a group source is IPv4. */
export function neutronRuleBody(parentGroupId: string, rule: NewRule) {
  const ethertype = rule.cidr && parseIp(rule.cidr.split('/')[0])?.version === 6 ? 'IPv6' : 'IPv4';
  return {
    security_group_rule: {
      direction: 'ingress',
      protocol: rule.protocol ?? null,
      ethertype,
      remote_ip_prefix: rule.cidr ?? null,
      security_group_id: parentGroupId,
      remote_group_id: rule.group_id ?? null,
      ...(rule.from_port !== undefined && rule.from_port !== -1 && { port_range_min: rule.from_port }),
      ...(rule.to_port !== undefined && rule.to_port !== -1 && { port_range_max: rule.to_port }),
    },
  };
}
