import { ApplicationFailure } from '@temporalio/activity';
import { type EntityManager } from 'typeorm';
import { ApiError } from '../../apps/api/common/api-error';
import { FailureType } from '../../common/compute/failures';
import { type GuestInterface } from '../../common/compute/guest-spec';
import {
  allocatePortsForInstance,
  bindInstancePorts,
  type InstancePort,
  instancePortsOf,
  releaseInstancePorts,
} from '../../common/network';
import { type Instance } from '../../entities';

/**
 * What the boot and delete workflows need of the network service, over the conductor's database
 * transaction. Every call is idempotent: Temporal retries activities.
 */
export interface InstanceNetworking {
  /** The instance's ports as its request asked (auto, none, networks, ports, fixed IPs). */
  allocate(db: EntityManager, instance: Instance): Promise<GuestInterface[]>;
  /** The instance's ports as they are, for a move or a rebuild; allocates nothing. */
  interfaces(db: EntityManager, instance: Instance): Promise<GuestInterface[]>;
  /** Binds the instance's ports to the host it is built on (re-binding moves them). */
  bind(db: EntityManager, instanceUuid: string, host: string): Promise<void>;
  /** Deletes the ports the build created and frees their addresses; the user's own ports are only unbound. */
  release(db: EntityManager, instanceUuid: string): Promise<void>;
}

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
      try {
        const ports = await allocatePortsForInstance(db, {
          instanceUuid: instance.uuid,
          projectId: instance.projectId,
          availabilityZone: instance.availabilityZone ?? defaultZone,
          requested: instance.requestSpec.networks,
          securityGroupIds: instance.requestSpec.securityGroups,
        });
        return ports.map(guestInterfaceOf);
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
    },
    async interfaces(db, instance) {
      return (await instancePortsOf(db, instance.uuid, instance.requestSpec.networks)).map(guestInterfaceOf);
    },
    bind: bindInstancePorts,
    release: releaseInstancePorts,
  };
}
