import { ApiError } from '../../apps/api/common/api-error';
import { type AllocationPool, type HostRoute } from '../../entities/network.entities';
import {
  type Cidr,
  cidrContains,
  defaultPools,
  formatCidr,
  formatIp,
  hostRange,
  type IpRange,
  type IpVersion,
  parseCidr,
  parseIp,
  rangesOverlap,
} from './ip-address';
import { invalidInput } from './neutron-errors';

/** What a subnet request says about addresses; undefined fields take Neutron's defaults. */
export interface SubnetPlanRequest {
  ipVersion?: number;
  cidr: string;
  /** null: no gateway; undefined: the first host address. */
  gatewayIp?: string | null;
  allocationPools?: AllocationPool[];
}

/** A subnet's address plan, validated and in canonical form. */
export interface SubnetPlan {
  ipVersion: IpVersion;
  cidr: string;
  gatewayIp: string | null;
  allocationPools: AllocationPool[];
}

const badValue = (attribute: string, reason: string) =>
  new ApiError('badRequest', `Invalid input for ${attribute}. Reason: ${reason}.`);

const poolText = (pool: IpRange, version: IpVersion) =>
  `${formatIp(pool.first, version)}-${formatIp(pool.last, version)}`;

function parseAddressOf(cidr: Cidr, attribute: string, text: string): bigint {
  const ip = parseIp(text);
  if (!ip) throw badValue(attribute, `'${text}' is not a valid IP address`);
  if (ip.version !== cidr.version) {
    throw invalidInput(`${attribute} '${text}' does not match the ip_version '${cidr.version}'`);
  }
  return ip.value;
}

function checkPools(cidr: Cidr, requested: AllocationPool[], gateway: bigint | undefined): IpRange[] {
  const hosts = hostRange(cidr);
  const pools = requested.map((pool) => {
    const range = {
      first: parseAddressOf(cidr, 'allocation_pools', pool.start),
      last: parseAddressOf(cidr, 'allocation_pools', pool.end),
    };
    if (range.first > range.last) {
      throw new ApiError(
        'badRequest',
        `The allocation pool ${pool.start}-${pool.end} is not valid.`,
        'InvalidAllocationPool',
      );
    }
    if (!hosts || range.first < hosts.first || range.last > hosts.last) {
      throw new ApiError(
        'badRequest',
        `The allocation pool ${poolText(range, cidr.version)} spans beyond the subnet cidr ${formatCidr(cidr)}.`,
        'OutOfBoundsAllocationPool',
      );
    }
    return range;
  });
  const sorted = [...pools].sort((a, b) => (a.first < b.first ? -1 : 1));
  for (let i = 1; i < sorted.length; i++) {
    if (rangesOverlap(sorted[i - 1], sorted[i])) {
      throw new ApiError(
        'conflictingRequest',
        `Found overlapping allocation pools: ${poolText(sorted[i - 1], cidr.version)} ${poolText(sorted[i], cidr.version)} for subnet ${formatCidr(cidr)}.`,
        'OverlappingAllocationPools',
      );
    }
  }
  const withGateway =
    gateway === undefined ? undefined : sorted.find((p) => gateway >= p.first && gateway <= p.last);
  if (withGateway) {
    throw new ApiError(
      'conflictingRequest',
      `Gateway ip ${formatIp(gateway!, cidr.version)} conflicts with allocation pool ${poolText(withGateway, cidr.version)}`,
      'GatewayConflictWithAllocationPools',
    );
  }
  return sorted;
}

/** The subnet `text` names, or Neutron's 400. */
export function requireCidr(text: string, attribute = 'cidr'): Cidr {
  const cidr = parseCidr(text);
  if ('error' in cidr) throw badValue(attribute, cidr.error);
  return cidr;
}

/**
 * Validates a subnet's CIDR, gateway and allocation pools together, as Neutron does on create and
 * update, and fills in the defaults: the first host as gateway, the other hosts as the pool.
 */
export function planSubnet(request: SubnetPlanRequest): SubnetPlan {
  const cidr = requireCidr(request.cidr);
  const ipVersion = (request.ipVersion ?? cidr.version) as IpVersion;
  if (ipVersion !== cidr.version) {
    throw invalidInput(`cidr '${request.cidr}' does not match the ip_version '${ipVersion}'`);
  }
  const hosts = hostRange(cidr);
  let gateway: bigint | undefined;
  if (request.gatewayIp === undefined) {
    gateway = hosts?.first;
  } else if (request.gatewayIp !== null) {
    gateway = parseAddressOf(cidr, 'gateway_ip', request.gatewayIp);
    const ip = { version: cidr.version, value: gateway };
    if (!cidrContains(cidr, ip) || !hosts || gateway < hosts.first || gateway > hosts.last) {
      throw invalidInput('Gateway is not valid on subnet');
    }
  }
  const pools = request.allocationPools
    ? checkPools(cidr, request.allocationPools, gateway)
    : defaultPools(cidr, gateway);
  if (pools.length === 0) throw invalidInput(`The subnet ${formatCidr(cidr)} has no address for hosts`);
  return {
    ipVersion,
    cidr: formatCidr(cidr),
    gatewayIp: gateway === undefined ? null : formatIp(gateway, cidr.version),
    allocationPools: pools.map((pool) => ({
      start: formatIp(pool.first, cidr.version),
      end: formatIp(pool.last, cidr.version),
    })),
  };
}

/** DNS servers: addresses, each once. */
export function checkNameservers(nameservers: string[]): string[] {
  const seen = new Set<string>();
  return nameservers.map((text) => {
    const ip = parseIp(text);
    if (!ip) throw badValue('dns_nameservers', `'${text}' is not a valid nameserver`);
    const canonical = formatIp(ip.value, ip.version);
    if (seen.has(canonical)) throw badValue('dns_nameservers', `Duplicate nameserver '${text}'`);
    seen.add(canonical);
    return canonical;
  });
}

/** Static routes: a destination subnet and an address to reach it by. */
export function checkHostRoutes(routes: HostRoute[]): HostRoute[] {
  return routes.map((route) => {
    const destination = requireCidr(route.destination, 'host_routes');
    const nexthop = parseIp(route.nexthop);
    if (!nexthop) throw badValue('host_routes', `'${route.nexthop}' is not a valid IP address`);
    return { destination: formatCidr(destination), nexthop: formatIp(nexthop.value, nexthop.version) };
  });
}
