import { randomUUID } from 'node:crypto';
import { type EntityManager } from 'typeorm';
import { Network, Port, Subnet } from '../../entities/network.entities';
import { ApiError } from '../../apps/api/common/api-error';
import { checkNetworkQuota } from './network-quotas';
import { networkInUse, networkNotFound } from './neutron-errors';
import { updateRevised } from './revisions';

export interface NetworkRequest {
  projectId: string;
  name?: string;
  description?: string;
  adminStateUp?: boolean;
  shared?: boolean;
  routerExternal?: boolean;
  mtu?: number;
  portSecurityEnabled?: boolean;
}

export type NetworkChanges = Omit<NetworkRequest, 'projectId'>;

/** Creates a network within the project's network quota (Neutron's OverQuota past it). */
export function createNetwork(db: EntityManager, request: NetworkRequest): Promise<Network> {
  return db.transaction(async (tx) => {
    await checkNetworkQuota(tx, request.projectId, { network: 1 });
    const network = tx.getRepository(Network).create({ id: randomUUID(), ...request });
    await tx.getRepository(Network).insert(network);
    return network;
  });
}

/** A network may stop being shared only while no other project has a port on it. */
async function checkUnsharing(db: EntityManager, network: Network): Promise<void> {
  const foreignPorts = await db
    .getRepository(Port)
    .createQueryBuilder('p')
    .where('p.networkId = :id AND p.projectId <> :owner', { id: network.id, owner: network.projectId })
    .getExists();
  if (foreignPorts) {
    throw new ApiError(
      'conflictingRequest',
      `Unable to reconfigure sharing settings for network ${network.id}. Multiple tenants are using it.`,
      'InvalidSharedSetting',
    );
  }
}

export function updateNetwork(
  db: EntityManager,
  network: Network,
  changes: NetworkChanges,
): Promise<Network> {
  return db.transaction(async (tx) => {
    if (changes.shared === false && network.shared) await checkUnsharing(tx, network);
    await updateRevised(tx, Network, network.id, changes);
    return tx.getRepository(Network).findOneByOrFail({ id: network.id });
  });
}

/** Deletes a network and its subnets; refused while any port is on it. */
export function deleteNetwork(db: EntityManager, id: string): Promise<void> {
  return db.transaction(async (tx) => {
    // FOR UPDATE waits for port creations in flight (they hold FOR KEY SHARE), then sees their ports.
    const locked = await tx
      .getRepository(Network)
      .createQueryBuilder('n')
      .where('n.id = :id', { id })
      .setLock('pessimistic_write')
      .getOne();
    if (!locked) throw networkNotFound(id);
    if (await tx.getRepository(Port).existsBy({ networkId: id })) throw networkInUse(id);
    await tx.getRepository(Subnet).delete({ networkId: id });
    await tx.getRepository(Network).delete({ id });
  });
}

/** The ids of each network's subnets, oldest first, in one query. */
export async function subnetIdsOf(db: EntityManager, networkIds: string[]): Promise<Map<string, string[]>> {
  const ids = new Map(networkIds.map((id) => [id, [] as string[]]));
  if (networkIds.length === 0) return ids;
  const subnets = await db
    .getRepository(Subnet)
    .createQueryBuilder('s')
    .select(['s.id', 's.networkId'])
    .where('s.networkId IN (:...networkIds)', { networkIds })
    .orderBy('s.createdAt')
    .addOrderBy('s.id')
    .getMany();
  for (const subnet of subnets) ids.get(subnet.networkId)?.push(subnet.id);
  return ids;
}
