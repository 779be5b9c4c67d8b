import { randomUUID } from 'node:crypto';
import { type EntityManager } from 'typeorm';
import { type BindingProfile, IpAllocation, Network, Port } from '../../entities/network.entities';
import { isUniqueViolation } from '../db-errors';
import { parseIp } from './ip-address';
import { allocateAddresses, type FixedIp, type FixedIpRequest, lockSubnets } from './ipam';
import { chooseMacAddress } from './mac-address';
import { checkNetworkQuota } from './network-quotas';
import { macAddressInUse, networkNotFound } from './neutron-errors';
import { portSecurityGroups, setPortSecurityGroups } from './port-security-groups';
import { subnetsOfNetwork } from './subnets';

export interface PortRequest {
  networkId: string;
  projectId: string;
  name?: string;
  description?: string;
  adminStateUp?: boolean;
  macAddress?: string;
  /** undefined: one address per IP version, as Neutron does; []: none. */
  fixedIps?: FixedIpRequest[];
  deviceId?: string;
  deviceOwner?: string;
  /** The instance the compute service binds the port to (common/network/instance-ports.ts only). */
  instanceUuid?: string;
  bindingHostId?: string;
  bindingVnicType?: string;
  bindingProfile?: BindingProfile;
  portSecurityEnabled?: boolean;
  tags?: string[];
  /** The security groups to join; undefined: the project's default one. */
  securityGroupIds?: string[];
  /** The caller is the admin, who may put the port in another project's group (as Neutron's is_admin). */
  anyProjectGroups?: boolean;
  /** false for ports the compute service creates for an instance. */
  preserveOnDelete?: boolean;
}

export interface PortWithAddresses {
  port: Port;
  fixedIps: FixedIp[];
}

/**
 * Creates a port within its project's port quota (Neutron's OverQuota past it; the compute
 * service's ports count too), with its MAC and addresses, all or nothing (in a savepoint when the caller is in
 * a transaction already). The network row is held FOR KEY SHARE until commit, so that it cannot be
 * deleted under the new port.
 */
export function createPort(db: EntityManager, request: PortRequest): Promise<PortWithAddresses> {
  return db.transaction((tx) => insertPort(tx, request));
}

async function insertPort(db: EntityManager, request: PortRequest): Promise<PortWithAddresses> {
  // The quota lock before any row lock, as every create takes it first.
  await checkNetworkQuota(db, request.projectId, { port: 1 });
  const network = await db
    .getRepository(Network)
    .createQueryBuilder('n')
    .where('n.id = :id', { id: request.networkId })
    .setLock('for_key_share')
    .getOne();
  if (!network) throw networkNotFound(request.networkId);
  const { fixedIps: requestedIps, macAddress, securityGroupIds, anyProjectGroups, ...attributes } = request;
  const port = db.getRepository(Port).create({
    ...attributes,
    id: randomUUID(),
    macAddress: await chooseMacAddress(db, network.id, macAddress),
    portSecurityEnabled: request.portSecurityEnabled ?? network.portSecurityEnabled,
  });
  await db
    .getRepository(Port)
    .insert(port)
    .catch((error: unknown) => {
      if (isUniqueViolation(error)) throw macAddressInUse(network.id, port.macAddress);
      throw error;
    });
  const groups = await portSecurityGroups(
    db,
    port.projectId,
    port.portSecurityEnabled,
    securityGroupIds,
    anyProjectGroups,
  );
  await setPortSecurityGroups(db, port.id, groups);
  const subnets = await subnetsOfNetwork(db, network.id);
  const fixedIps = await allocateAddresses(db, network.id, subnets, port.id, requestedIps);
  return { port, fixedIps };
}

const sameAddress = (a: string, b: string) => parseIp(a)?.value === parseIp(b)?.value;

/**
 * Replaces a port's addresses with `requested`, as a fixed_ips update does: entries naming an
 * address (or only a subnet) the port already has keep it; the others are allocated anew; the
 * port's addresses no entry names are released. Runs inside the caller's transaction.
 */
export async function replacePortAddresses(
  db: EntityManager,
  port: Port,
  requested: FixedIpRequest[],
): Promise<FixedIp[]> {
  const current = (await fixedIpsOf(db, [port.id])).get(port.id)!;
  const kept = new Set<FixedIp>();
  const added: FixedIpRequest[] = [];
  for (const entry of requested) {
    const match = current.find(
      (held) =>
        !kept.has(held) &&
        (entry.subnetId === undefined || held.subnetId === entry.subnetId) &&
        (entry.ipAddress === undefined || sameAddress(held.ipAddress, entry.ipAddress)),
    );
    if (match) kept.add(match);
    else added.push(entry);
  }
  // Every subnet of the network locked first, in id order, as allocateAddresses would lock them.
  const subnets = await subnetsOfNetwork(db, port.networkId);
  await lockSubnets(
    db,
    subnets.map((subnet) => subnet.id),
  );
  for (const released of current.filter((held) => !kept.has(held))) {
    await db.getRepository(IpAllocation).delete({ portId: port.id, ipAddress: released.ipAddress });
  }
  const allocated = await allocateAddresses(db, port.networkId, subnets, port.id, added);
  return [...kept, ...allocated];
}

/** Each port's addresses (IPv4 first, then by address), in one query. */
export async function fixedIpsOf(db: EntityManager, portIds: string[]): Promise<Map<string, FixedIp[]>> {
  const byPort = new Map(portIds.map((id) => [id, [] as FixedIp[]]));
  if (portIds.length === 0) return byPort;
  const rows: { port_id: string; subnet_id: string; ip: string }[] = await db.query(
    `SELECT port_id, subnet_id, host(ip_address) AS ip FROM ip_allocations
      WHERE port_id = ANY($1) ORDER BY family(ip_address), ip_address`,
    [portIds],
  );
  for (const row of rows) byPort.get(row.port_id)?.push({ subnetId: row.subnet_id, ipAddress: row.ip });
  return byPort;
}
