import { ApplicationFailure } from '@temporalio/activity';
import { type EntityManager } from 'typeorm';
import { ApiError } from '../../apps/api/common/api-error';
import { FailureType } from '../../common/compute/failures';
import { type GuestInterface } from '../../common/compute/guest-spec';
import { queueFirewallSync } from '../../common/compute/security-group-events';
import { type WorkflowLaunch } from '../../common/compute/workflow-outbox';
import {
  allocatePortsForInstance,
  bindInstancePorts,
  hasInstancePorts,
  type InstancePort,
  instancePortsOf,
  instanceSecurityGroups,
  releaseInstancePorts,
} from '../../common/network';
import { type Instance } from '../../entities';

/**
 * What the boot and delete workflows need of the network service, over the conductor's database
 * transaction. Every call is idempotent: Temporal retries activities.
 */
export interface InstanceNetworking {
  /**
   * The instance's ports as its request asked (auto, none, networks, ports, fixed IPs), and the
   * network-changed events queued for the other servers whose filters gain its addresses.
   */
  allocate(db: EntityManager, instance: Instance): Promise<AllocatedNetwork>;
  /** The instance's ports as they are, for a move or a rebuild; allocates nothing. */
  interfaces(db: EntityManager, instance: Instance): Promise<GuestInterface[]>;
  /** Binds the instance's ports to the host it is built on (re-binding moves them). */
  bind(db: EntityManager, instanceUuid: string, host: string): Promise<void>;
  /**
   * Deletes the ports the build created and frees their addresses; the user's own ports are only
   * unbound. Returns the network-changed events queued for the servers whose filters lose them.
   */
  release(db: EntityManager, instanceUuid: string): Promise<WorkflowLaunch[]>;
}

export interface AllocatedNetwork {
  interfaces: GuestInterface[];
  /** To start after commit; none when the ports were there already (a run again). */
  peerSyncs: WorkflowLaunch[];
}

/**
 * Tells the servers whose rules name one of `groupIds` as remote group that an instance's ports
 * joined or left them, as Neutron's agents refresh the members' filters; not the instance itself,
 * whose host gets its rules with its interfaces.
 */
const queuePeerSync = (db: EntityManager, instanceUuid: string, groupIds: string[]) =>
  groupIds.length === 0
    ? Promise.resolve([])
    : queueFirewallSync(db, { memberGroupIds: groupIds, exceptInstance: instanceUuid });

const guestInterfaceOf = (port: InstancePort): GuestInterface => ({
  portId: port.id,
  networkId: port.networkId,
  networkName: port.networkName,
  macAddress: port.macAddress,
  fixedIps: port.fixedIps.map((ip) => ip.ipAddress),
  firewallRules: port.firewallRules,
});

/** The network service of this cloud, in the same database. */
export function networkService(defaultZone: string): InstanceNetworking {
  return {
    async allocate(db, instance) {
      const allocatedBefore = await hasInstancePorts(db, instance.uuid);
      let ports: InstancePort[];
      try {
        ports = await allocatePortsForInstance(db, {
          instanceUuid: instance.uuid,
          projectId: instance.projectId,
          availabilityZone: instance.availabilityZone ?? defaultZone,
          requested: instance.requestSpec.networks,
          securityGroupIds: instance.requestSpec.securityGroups,
        });
      } catch (error) {
        // The network refused (a full subnet, a port taken meanwhile): retrying will not help.
        if (error instanceof ApiError) {
          throw ApplicationFailure.create({
            type: FailureType.NETWORK_ALLOCATION_FAILED,
            message: error.message,
            nonRetryable: true,
          });
        }
        throw error;
      }
      // In the allocation's transaction, with its groups locked (see lockFirewallGroups).
      const peerSyncs = allocatedBefore
        ? []
        : await queuePeerSync(db, instance.uuid, await instanceSecurityGroups(db, instance.uuid));
      return { interfaces: ports.map(guestInterfaceOf), peerSyncs };
    },
    async interfaces(db, instance) {
      return (await instancePortsOf(db, instance.uuid, instance.requestSpec.networks)).map(guestInterfaceOf);
    },
    bind: bindInstancePorts,
    async release(db, instanceUuid) {
      const groups = await instanceSecurityGroups(db, instanceUuid);
      await releaseInstancePorts(db, instanceUuid);
      return queuePeerSync(db, instanceUuid, groups);
    },
  };
}
