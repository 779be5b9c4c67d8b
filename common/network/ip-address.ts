import { isIPv4, isIPv6 } from 'node:net';

/** IPv4 and IPv6 addresses as numbers, so that ranges, pools and subnets are plain arithmetic. */
export type IpVersion = 4 | 6;

export interface IpAddress {
  version: IpVersion;
  value: bigint;
}

export interface Cidr {
  version: IpVersion;
  /** The network address (all host bits zero). */
  first: bigint;
  /** The last address (all host bits one): the broadcast address of an IPv4 subnet. */
  last: bigint;
  prefix: number;
}

export interface IpRange {
  first: bigint;
  last: bigint;
}

const BITS: Record<IpVersion, number> = { 4: 32, 6: 128 };

function parseV4(text: string): bigint {
  return text.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

function parseV6(text: string): bigint {
  let groups = text;
  // An embedded IPv4 tail (::ffff:10.0.0.1) becomes two hex groups.
  const v4Tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4Tail) {
    const v4 = parseV4(v4Tail[1]);
    groups = `${text.slice(0, v4Tail.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = groups.includes('::') ? groups.split('::') : [groups, undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = tail === undefined ? [] : Array(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].reduce(
    (value, group) => (value << 16n) | BigInt(`0x${group}`),
    0n,
  );
}

/** The address `text` names, or undefined when it is no IPv4 or IPv6 address. */
export function parseIp(text: string): IpAddress | undefined {
  if (isIPv4(text)) return { version: 4, value: parseV4(text) };
  if (isIPv6(text) && !text.includes('%')) return { version: 6, value: parseV6(text) };
  return undefined;
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run as ::). */
export function formatIp(value: bigint, version: IpVersion): string {
  if (version === 4) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((shift) => (value >> shift) & 0xffffn);
  let best = { start: -1, length: 1 };
  for (let start = 0; start < 8; start++) {
    let length = 0;
    while (start + length < 8 && groups[start + length] === 0n) length++;
    if (length > best.length) best = { start, length };
  }
  const hex = groups.map((group) => group.toString(16));
  if (best.start < 0) return hex.join(':');
  return `${hex.slice(0, best.start).join(':')}::${hex.slice(best.start + best.length).join(':')}`;
}

/**
 * The subnet `text` names (address/prefix), or why it is none. A CIDR with host bits set is
 * refused with the network it probably meant, as Neutron does.
 */
export function parseCidr(text: string): Cidr | { error: string } {
  const match = /^([^/]+)\/(\d{1,3})$/.exec(text);
  const address = match ? parseIp(match[1]) : undefined;
  if (!match || !address) return { error: `'${text}' is not a valid IP subnet` };
  const prefix = Number(match[2]);
  const bits = BITS[address.version];
  if (prefix > bits) return { error: `'${text}' is not a valid IP subnet` };
  const size = 1n << BigInt(bits - prefix);
  const first = address.value - (address.value % size);
  if (first !== address.value) {
    const recommended = `${formatIp(first, address.version)}/${prefix}`;
    return { error: `'${text}' isn't a recommended CIDR, '${recommended}' is recommended` };
  }
  return { version: address.version, first, last: first + size - 1n, prefix };
}

export const formatCidr = (cidr: Cidr) => `${formatIp(cidr.first, cidr.version)}/${cidr.prefix}`;

export const cidrContains = (cidr: Cidr, ip: IpAddress) =>
  ip.version === cidr.version && ip.value >= cidr.first && ip.value <= cidr.last;

export const rangesOverlap = (a: IpRange, b: IpRange) => a.first <= b.last && b.first <= a.last;

/**
 * The addresses of a subnet that hosts may use: all but the network address and, in IPv4, the
 * broadcast address.
 */
export function hostRange(cidr: Cidr): IpRange | undefined {
  const first = cidr.first + 1n;
  const last = cidr.version === 4 ? cidr.last - 1n : cidr.last;
  return first <= last ? { first, last } : undefined;
}

/** Neutron's default allocation pools: the host range, less the gateway. */
export function defaultPools(cidr: Cidr, gateway: bigint | undefined): IpRange[] {
  const hosts = hostRange(cidr);
  if (!hosts) return [];
  if (gateway === undefined || gateway < hosts.first || gateway > hosts.last) return [hosts];
  return [
    { first: hosts.first, last: gateway - 1n },
    { first: gateway + 1n, last: hosts.last },
  ].filter((range) => range.first <= range.last);
}
