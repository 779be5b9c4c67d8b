import { randomUUID } from 'node:crypto';
import { type EntityManager } from 'typeorm';
import {
  type AllocationPool,
  type HostRoute,
  IpAllocation,
  Network,
  Subnet,
} from '../../entities/network.entities';
import { rangesOverlap } from './ip-address';
import { lockSubnets } from './ipam';
import {
  invalidInput,
  ipAddressAlreadyAllocated,
  networkNotFound,
  subnetInUse,
  subnetNotFound,
} from './neutron-errors';
import { checkNetworkQuota } from './network-quotas';
import { updateRevised } from './revisions';
import { checkHostRoutes, checkNameservers, planSubnet, requireCidr } from './subnet-plan';

export interface SubnetRequest {
  networkId: string;
  projectId: string;
  cidr: string;
  ipVersion?: number;
  gatewayIp?: string | null;
  allocationPools?: AllocationPool[];
  name?: string;
  description?: string;
  enableDhcp?: boolean;
  dnsNameservers?: string[];
  hostRoutes?: HostRoute[];
}

export type SubnetChanges = Partial<
  Pick<
    SubnetRequest,
    'name' | 'description' | 'enableDhcp' | 'dnsNameservers' | 'hostRoutes' | 'gatewayIp' | 'allocationPools'
  >
>;

/** The network's subnets, oldest first: the order Neutron picks addresses from. */
export const subnetsOfNetwork = (db: EntityManager, networkId: string) =>
  db.getRepository(Subnet).find({ where: { networkId }, order: { createdAt: 'ASC', id: 'ASC' } });

async function checkNoOverlap(db: EntityManager, networkId: string, cidrText: string): Promise<void> {
  const cidr = requireCidr(cidrText);
  const range = { first: cidr.first, last: cidr.last };
  for (const other of await subnetsOfNetwork(db, networkId)) {
    const existing = requireCidr(other.cidr);
    if (existing.version === cidr.version && rangesOverlap(range, existing)) {
      throw invalidInput(
        `Requested subnet with cidr: ${cidrText} for network: ${networkId} overlaps with another subnet`,
      );
    }
  }
}

/**
 * Creates a subnet within its project's subnet quota, all or nothing (a savepoint inside the
 * caller's transaction, if any).
 */
export function createSubnet(db: EntityManager, request: SubnetRequest): Promise<Subnet> {
  return db.transaction((tx) => insertSubnet(tx, request));
}

async function insertSubnet(db: EntityManager, request: SubnetRequest): Promise<Subnet> {
  const plan = planSubnet(request);
  // Before any row lock, as every create takes its project's quota lock first.
  await checkNetworkQuota(db, request.projectId, { subnet: 1 });
  // Serializes subnet creations on one network, so that two overlapping ones cannot both pass.
  const network = await db
    .getRepository(Network)
    .createQueryBuilder('n')
    .where('n.id = :id', { id: request.networkId })
    .setLock('for_no_key_update')
    .getOne();
  if (!network) throw networkNotFound(request.networkId);
  await checkNoOverlap(db, network.id, plan.cidr);
  const subnet = db.getRepository(Subnet).create({
    id: randomUUID(),
    networkId: network.id,
    projectId: request.projectId,
    name: request.name,
    description: request.description,
    enableDhcp: request.enableDhcp,
    dnsNameservers: checkNameservers(request.dnsNameservers ?? []),
    hostRoutes: checkHostRoutes(request.hostRoutes ?? []),
    ...plan,
  });
  await db.getRepository(Subnet).insert(subnet);
  return subnet;
}

export function updateSubnet(db: EntityManager, id: string, changes: SubnetChanges): Promise<Subnet> {
  return db.transaction((tx) => changeSubnet(tx, id, changes));
}

async function changeSubnet(db: EntityManager, id: string, changes: SubnetChanges): Promise<Subnet> {
  // Locked as allocations lock it: a new gateway cannot race a port taking that address.
  const [subnet] = await lockSubnets(db, [id]);
  if (!subnet) throw subnetNotFound(id);
  const plan = planSubnet({
    ipVersion: subnet.ipVersion,
    cidr: subnet.cidr,
    gatewayIp: changes.gatewayIp === undefined ? subnet.gatewayIp : changes.gatewayIp,
    allocationPools: changes.allocationPools ?? subnet.allocationPools,
  });
  if (plan.gatewayIp && plan.gatewayIp !== subnet.gatewayIp) {
    const held = await db.getRepository(IpAllocation).existsBy({ subnetId: id, ipAddress: plan.gatewayIp });
    if (held) throw ipAddressAlreadyAllocated(plan.gatewayIp, id);
  }
  await updateRevised(db, Subnet, id, {
    ...(changes.name !== undefined && { name: changes.name }),
    ...(changes.description !== undefined && { description: changes.description }),
    ...(changes.enableDhcp !== undefined && { enableDhcp: changes.enableDhcp }),
    ...(changes.dnsNameservers !== undefined && { dnsNameservers: checkNameservers(changes.dnsNameservers) }),
    ...(changes.hostRoutes !== undefined && { hostRoutes: checkHostRoutes(changes.hostRoutes) }),
    gatewayIp: plan.gatewayIp,
    allocationPools: plan.allocationPools,
  });
  return db.getRepository(Subnet).findOneByOrFail({ id });
}

/** Deletes a subnet no port has an address on. */
export function deleteSubnet(db: EntityManager, id: string): Promise<void> {
  return db.transaction(async (tx) => {
    const [subnet] = await lockSubnets(tx, [id]);
    if (!subnet) throw subnetNotFound(id);
    if (await tx.getRepository(IpAllocation).existsBy({ subnetId: id })) throw subnetInUse(id);
    await tx.getRepository(Subnet).delete({ id });
  });
}
