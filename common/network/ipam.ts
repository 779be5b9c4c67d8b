import { type EntityManager } from 'typeorm';
import { ApiError } from '../../apps/api/common/api-error';
import { isUniqueViolation } from '../db-errors';
import { IpAllocation, Subnet } from '../../entities/network.entities';
import { cidrContains, formatIp, hostRange, type IpAddress, parseIp } from './ip-address';
import {
  invalidInput,
  invalidIpForNetwork,
  invalidIpForSubnet,
  ipAddressAlreadyAllocated,
  ipAddressGenerationFailure,
  subnetNotFound,
} from './neutron-errors';
import { requireCidr } from './subnet-plan';

/** One entry of a port's fixed_ips request: a subnet, an address, or both. */
export interface FixedIpRequest {
  subnetId?: string;
  ipAddress?: string;
}

export interface FixedIp {
  subnetId: string;
  ipAddress: string;
}

/**
 * Locks the subnets for the rest of the transaction, always in id order so that two port
 * creations touching the same subnets never deadlock. Every allocation on a subnet happens under
 * this lock: concurrent port creations take their addresses one after the other.
 */
export async function lockSubnets(db: EntityManager, ids: string[]): Promise<Subnet[]> {
  if (ids.length === 0) return [];
  return db
    .getRepository(Subnet)
    .createQueryBuilder('s')
    .where('s.id IN (:...ids)', { ids: [...new Set(ids)] })
    .orderBy('s.id')
    .setLock('pessimistic_write')
    .getMany();
}

/**
 * The lowest address of the subnet's pools that no port holds and none is quarantined
 * (address-quarantine.ts), or undefined when it is full.
 */
async function lowestFreeAddress(db: EntityManager, subnetId: string): Promise<string | undefined> {
  // Free addresses start either a pool or right after a taken one: only those are candidates.
  const rows: { ip: string }[] = await db.query(
    `WITH pool AS (
       SELECT (p->>'start')::inet AS first, (p->>'end')::inet AS last
         FROM subnets s, jsonb_array_elements(s.allocation_pools) p WHERE s.id = $1
     ), taken AS (
       SELECT ip_address AS ip FROM ip_allocations WHERE subnet_id = $1
       UNION ALL SELECT ip_address FROM address_quarantine WHERE subnet_id = $1
     )
     SELECT host(candidate) AS ip
       FROM (SELECT first AS candidate FROM pool UNION SELECT ip + 1 FROM taken) candidates
      WHERE EXISTS (SELECT 1 FROM pool WHERE candidate BETWEEN pool.first AND pool.last)
        AND NOT EXISTS (SELECT 1 FROM taken WHERE taken.ip = candidate)
      ORDER BY candidate
      LIMIT 1`,
    [subnetId],
  );
  return rows[0]?.ip;
}

/** Whether a port holds the address on the subnet or it is quarantined, or it is the subnet's gateway. */
export async function addressTaken(db: EntityManager, subnet: Subnet, ip: IpAddress): Promise<boolean> {
  const gateway = subnet.gatewayIp ? parseIp(subnet.gatewayIp) : undefined;
  if (gateway?.value === ip.value) return true;
  const ipAddress = formatIp(ip.value, ip.version);
  const [{ taken }] = await db.query(
    `SELECT EXISTS (SELECT 1 FROM ip_allocations WHERE subnet_id = $1 AND ip_address = $2)
         OR EXISTS (SELECT 1 FROM address_quarantine WHERE subnet_id = $1 AND ip_address = $2) AS taken`,
    [subnet.id, ipAddress],
  );
  return taken;
}

/** Checks that `text` may be given to a port on `subnet`; returns it in canonical form. */
async function checkRequestedAddress(db: EntityManager, subnet: Subnet, text: string): Promise<string> {
  const ip = parseIp(text);
  const hosts = hostRange(requireCidr(subnet.cidr));
  if (!ip || ip.version !== subnet.ipVersion || !hosts || ip.value < hosts.first || ip.value > hosts.last) {
    throw invalidIpForSubnet(text);
  }
  const address = formatIp(ip.value, ip.version);
  if (await addressTaken(db, subnet, ip)) throw ipAddressAlreadyAllocated(address, subnet.id);
  return address;
}

/** The subnet among `subnets` whose range holds the address `text`. */
export function subnetOf(subnets: Subnet[], text: string): Subnet | undefined {
  const ip = parseIp(text);
  return ip && subnets.find((subnet) => cidrContains(requireCidr(subnet.cidr), ip));
}

/**
 * Takes addresses for a port on `networkSubnets` (every subnet of its network) and records them.
 * `requested` undefined means Neutron's default: one address from the first IPv4 subnet with room
 * and one from the first IPv6 subnet with room. Runs inside the caller's transaction.
 */
export async function allocateAddresses(
  db: EntityManager,
  networkId: string,
  networkSubnets: Subnet[],
  portId: string,
  requested: FixedIpRequest[] | undefined,
): Promise<FixedIp[]> {
  const byId = new Map(networkSubnets.map((subnet) => [subnet.id, subnet]));
  const wanted = (requested ?? []).map((entry) => {
    if (entry.ipAddress !== undefined && !parseIp(entry.ipAddress)) {
      throw new ApiError(
        'badRequest',
        `Invalid input for fixed_ips. Reason: '${entry.ipAddress}' is not a valid IP address.`,
      );
    }
    const subnet = entry.subnetId ? byId.get(entry.subnetId) : subnetOf(networkSubnets, entry.ipAddress!);
    if (!subnet && entry.subnetId) {
      throw invalidInput(
        `Failed to create port on network ${networkId}, because fixed_ips included invalid subnet ${entry.subnetId}`,
      );
    }
    if (!subnet) throw invalidIpForNetwork(entry.ipAddress!);
    return { subnetId: subnet.id, ipAddress: entry.ipAddress };
  });
  const candidates = requested ? wanted.map((entry) => entry.subnetId) : networkSubnets.map((s) => s.id);
  // Read again under the lock: a subnet deleted meanwhile is missing here.
  const locked = new Map((await lockSubnets(db, candidates)).map((subnet) => [subnet.id, subnet]));

  const fixedIps: FixedIp[] = [];
  const take = async (subnet: Subnet, ipAddress: string) => {
    await db
      .getRepository(IpAllocation)
      .insert({ portId, subnetId: subnet.id, ipAddress })
      .catch((error: unknown) => {
        // The subnet lock makes this unreachable; the unique constraint is the last guard.
        if (isUniqueViolation(error)) throw ipAddressAlreadyAllocated(ipAddress, subnet.id);
        throw error;
      });
    fixedIps.push({ subnetId: subnet.id, ipAddress });
  };
  if (requested) {
    for (const entry of wanted) {
      const subnet = locked.get(entry.subnetId);
      if (!subnet) throw subnetNotFound(entry.subnetId);
      const address = entry.ipAddress
        ? await checkRequestedAddress(db, subnet, entry.ipAddress)
        : await lowestFreeAddress(db, subnet.id);
      if (!address) throw ipAddressGenerationFailure(networkId);
      await take(subnet, address);
    }
    return fixedIps;
  }
  for (const version of [4, 6]) {
    const ofVersion = networkSubnets.filter((s) => s.ipVersion === version && locked.has(s.id));
    if (ofVersion.length === 0) continue;
    let address: string | undefined;
    let subnet: Subnet | undefined;
    for (subnet of ofVersion) {
      address = await lowestFreeAddress(db, subnet.id);
      if (address) break;
    }
    if (!address) throw ipAddressGenerationFailure(networkId);
    await take(subnet!, address);
  }
  return fixedIps;
}
