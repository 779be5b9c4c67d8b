import { type EntityManager, In } from 'typeorm';
import { ApiError } from '../../apps/api/common/api-error';
import { Network, Port } from '../../entities/network.entities';
import { type FirewallRule } from '../compute/guest-spec';
import { parseIp, type IpVersion } from './ip-address';
import { firewallRulesOf } from './port-firewall-rules';
import { createPort, fixedIpsOf } from './ports';
import { planInstancePorts, type RequestedNetworks } from './requested-networks';

/** Advisory lock class, with hashtext(instance uuid): one port change per instance at a time. */
const INSTANCE_PORTS_LOCK = 7461003;

const lockInstancePorts = (db: EntityManager, instanceUuid: string) =>
  db.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [INSTANCE_PORTS_LOCK, instanceUuid]);

export interface InstancePortsRequest {
  instanceUuid: string;
  projectId: string;
  availabilityZone: string;
  requested: RequestedNetworks;
  /** The groups the new ports join (the RequestSpec's); undefined: the project's default. */
  securityGroupIds?: string[];
}

/** A port of an instance, as the compute service needs it to plug a VIF. */
export interface InstancePort {
  id: string;
  networkId: string;
  networkName: string;
  macAddress: string;
  fixedIps: { subnetId: string; ipAddress: string; version: IpVersion }[];
  /** What its security groups allow; null with port security off. */
  firewallRules: FirewallRule[] | null;
}

async function describe(db: EntityManager, ports: Port[]): Promise<InstancePort[]> {
  const networkIds = [...new Set(ports.map((port) => port.networkId))];
  const networks = await db.getRepository(Network).findBy({ id: In(networkIds) });
  const names = new Map(networks.map((network) => [network.id, network.name]));
  const ids = ports.map((port) => port.id);
  const [fixedIps, firewallRules] = await Promise.all([fixedIpsOf(db, ids), firewallRulesOf(db, ids)]);
  return ports.map((port) => ({
    id: port.id,
    networkId: port.networkId,
    networkName: names.get(port.networkId) ?? '',
    macAddress: port.macAddress,
    fixedIps: fixedIps.get(port.id)!.map((ip) => ({ ...ip, version: parseIp(ip.ipAddress)!.version })),
    firewallRules: firewallRules.get(port.id) ?? null,
  }));
}

/** The instance's ports in the order of the request that made them, as a first call returned them. */
function inRequestedOrder(ports: Port[], requested: RequestedNetworks): Port[] {
  if (!Array.isArray(requested)) return ports;
  const remaining = [...ports];
  const ordered: Port[] = [];
  for (const entry of requested) {
    const index = remaining.findIndex((port) =>
      entry.portId ? port.id === entry.portId : port.networkId === entry.networkId && !port.preserveOnDelete,
    );
    if (index >= 0) ordered.push(...remaining.splice(index, 1));
  }
  return [...ordered, ...remaining];
}

async function claimPort(
  db: EntityManager,
  port: Port,
  instanceUuid: string,
  deviceOwner: string,
): Promise<Port> {
  const claimed = await db
    .createQueryBuilder()
    .update(Port)
    .set({
      deviceId: instanceUuid,
      deviceOwner,
      instanceUuid,
      preserveOnDelete: true,
      revisionNumber: () => 'revision_number + 1',
    })
    .where('id = :id AND device_id = :unused AND instance_uuid IS NULL', { id: port.id, unused: '' })
    .execute();
  if (claimed.affected !== 1) throw new ApiError('conflictingRequest', `Port ${port.id} is still in use.`);
  return { ...port, deviceId: instanceUuid, deviceOwner, instanceUuid, preserveOnDelete: true };
}

/** The ports the compute service bound to the instance (never those whose device_id merely names it). */
const boundPorts = (db: EntityManager, instanceUuid: string) =>
  db.getRepository(Port).find({ where: { instanceUuid }, order: { createdAt: 'ASC', id: 'ASC' } });

/**
 * Gives an instance its ports, all in one transaction: new ports on the requested networks
 * (device_id = the instance, device_owner = compute:<az>) and the user's ports claimed. Each is
 * bound to the instance by `instance_uuid`, which only this module writes. Idempotent,
 * as Temporal's retries need: for an instance that has ports already it returns them and
 * allocates nothing.
 */
export function allocatePortsForInstance(
  db: EntityManager,
  request: InstancePortsRequest,
): Promise<InstancePort[]> {
  const { instanceUuid, projectId, requested } = request;
  const deviceOwner = `compute:${request.availabilityZone}`;
  return db.transaction(async (tx) => {
    await lockInstancePorts(tx, instanceUuid);
    const existing = await boundPorts(tx, instanceUuid);
    if (existing.length > 0) return describe(tx, inRequestedOrder(existing, requested));

    const ports: Port[] = [];
    for (const plan of await planInstancePorts(tx, projectId, requested)) {
      if (plan.port) {
        ports.push(await claimPort(tx, plan.port, instanceUuid, deviceOwner));
        continue;
      }
      const created = await createPort(tx, {
        networkId: plan.networkId,
        projectId,
        deviceId: instanceUuid,
        deviceOwner,
        instanceUuid,
        fixedIps: plan.fixedIp === undefined ? undefined : [{ ipAddress: plan.fixedIp }],
        preserveOnDelete: false,
        securityGroupIds: request.securityGroupIds,
        // The compute API has checked that the caller may use them.
        anyProjectGroups: true,
      });
      ports.push(created.port);
    }
    return describe(tx, ports);
  });
}

/** The ports an instance has now, in the order its boot request made them; allocates nothing. */
export async function instancePortsOf(
  db: EntityManager,
  instanceUuid: string,
  requested: RequestedNetworks,
): Promise<InstancePort[]> {
  return describe(db, inRequestedOrder(await boundPorts(db, instanceUuid), requested));
}

/** Marks the instance's ports bound to `host` and ACTIVE; binding again changes nothing. */
export async function bindInstancePorts(
  db: EntityManager,
  instanceUuid: string,
  host: string,
): Promise<void> {
  await db
    .createQueryBuilder()
    .update(Port)
    .set({ bindingHostId: host, status: 'ACTIVE', revisionNumber: () => 'revision_number + 1' })
    .where(`instance_uuid = :instanceUuid AND (binding_host_id <> :host OR status <> 'ACTIVE')`, {
      instanceUuid,
      host,
    })
    .execute();
}

/**
 * Undoes allocatePortsForInstance: deletes the ports the compute service created (their addresses
 * go with them) and unbinds the ports the user passed in, which stay for reuse. Releasing an
 * instance with no ports does nothing.
 */
export function releaseInstancePorts(db: EntityManager, instanceUuid: string): Promise<void> {
  return db.transaction(async (tx) => {
    await lockInstancePorts(tx, instanceUuid);
    await tx.getRepository(Port).delete({ instanceUuid, preserveOnDelete: false });
    await tx
      .createQueryBuilder()
      .update(Port)
      .set({
        instanceUuid: null,
        deviceId: '',
        deviceOwner: '',
        bindingHostId: '',
        status: 'DOWN',
        revisionNumber: () => 'revision_number + 1',
      })
      .where('instance_uuid = :instanceUuid', { instanceUuid })
      .execute();
  });
}
