import { type EntityManager } from 'typeorm';
import { ApiError } from '../../apps/api/common/api-error';
import { Network, Port } from '../../entities/network.entities';
import { isUuid } from '../uuid';
import { parseIp } from './ip-address';
import { addressTaken, subnetOf } from './ipam';
import { fixedIpsOf } from './ports';
import { subnetsOfNetwork } from './subnets';
import { networkUsableBy } from './visibility';

/** The `networks` of a server create request, as Nova's API accepts it. */
export type RequestedNetworks = 'auto' | 'none' | RequestedNetwork[];

export interface RequestedNetwork {
  networkId?: string;
  portId?: string;
  fixedIp?: string;
}

/** One port of the instance to be: a new one on a network, or a user's port to claim. */
export type PortPlan = { networkId: string; fixedIp?: string; port?: undefined } | { port: Port };

/** Networks a server of the project may be on: its own and shared ones, not external ones (Nova's rule). */
const usableNetworks = (db: EntityManager, projectId: string) =>
  db
    .getRepository(Network)
    .createQueryBuilder('n')
    .where(networkUsableBy('n'), { projectId })
    .andWhere('NOT (n.routerExternal AND NOT n.shared)');

/** 'auto': the one network the project may use, in Nova's words when there is not exactly one. */
async function autoNetwork(db: EntityManager, projectId: string): Promise<PortPlan> {
  const networks = await usableNetworks(db, projectId).limit(2).getMany();
  if (networks.length > 1) {
    throw new ApiError(
      'conflictingRequest',
      'Multiple possible networks found, use a Network ID to be more specific.',
    );
  }
  if (networks.length === 0) {
    throw new ApiError('badRequest', `Unable to automatically allocate a network for project ${projectId}`);
  }
  return { networkId: networks[0].id };
}

async function userPort(db: EntityManager, projectId: string, portId: string): Promise<PortPlan> {
  const port = isUuid(portId) ? await db.getRepository(Port).findOneBy({ id: portId }) : null;
  if (!port || port.projectId !== projectId) {
    throw new ApiError('badRequest', `Port id ${portId} could not be found.`);
  }
  if (port.deviceId !== '' || port.instanceUuid)
    throw new ApiError('conflictingRequest', `Port ${portId} is still in use.`);
  if ((await fixedIpsOf(db, [port.id])).get(port.id)!.length === 0) {
    throw new ApiError('badRequest', `Port ${portId} requires a FixedIP in order to be used.`);
  }
  return { port };
}

async function networkPort(
  db: EntityManager,
  projectId: string,
  networkId: string,
  fixedIp: string | undefined,
): Promise<PortPlan> {
  const usable =
    isUuid(networkId) &&
    (await usableNetworks(db, projectId).andWhere('n.id = :networkId', { networkId }).getExists());
  if (!usable) throw new ApiError('badRequest', `Network ${networkId} could not be found.`);
  if (fixedIp !== undefined) {
    const ip = parseIp(fixedIp);
    const subnet = subnetOf(await subnetsOfNetwork(db, networkId), fixedIp);
    if (!ip || !subnet) {
      throw new ApiError(
        'badRequest',
        `Fixed IP address (${fixedIp}) does not exist in network (${networkId}).`,
      );
    }
    if (await addressTaken(db, subnet, ip)) {
      throw new ApiError('badRequest', `Fixed IP address ${fixedIp} is already in use.`);
    }
  }
  return { networkId, fixedIp };
}

/** Resolves a server's requested networks into the ports to create or claim, or Nova's refusal. */
export async function planInstancePorts(
  db: EntityManager,
  projectId: string,
  requested: RequestedNetworks,
): Promise<PortPlan[]> {
  if (requested === 'none') return [];
  if (requested === 'auto') return [await autoNetwork(db, projectId)];
  const plans: PortPlan[] = [];
  for (const { networkId, portId, fixedIp } of requested) {
    if (portId !== undefined) plans.push(await userPort(db, projectId, portId));
    else if (networkId !== undefined) plans.push(await networkPort(db, projectId, networkId, fixedIp));
    else throw new ApiError('badRequest', 'Bad networks format: a network needs a uuid or a port');
  }
  return plans;
}

/**
 * Checks a server create request's networks for the compute API, before anything is allocated.
 * Raises ApiError with Nova's status and message: 400 for an unknown or invisible network or
 * port, or a fixed IP in use; 409 for a port in use or an ambiguous 'auto'.
 */
export async function validateRequestedNetworks(
  db: EntityManager,
  projectId: string,
  requested: RequestedNetworks,
): Promise<void> {
  await planInstancePorts(db, projectId, requested);
}

/**
 * How many ports each instance of the request needs created (Nova's _ports_needed_per_instance):
 * one for 'auto', one per network entry, none for a port the user passed in.
 */
export function newPortsPerInstance(requested: RequestedNetworks): number {
  if (requested === 'none') return 0;
  if (requested === 'auto') return 1;
  return requested.filter((entry) => entry.portId === undefined).length;
}
