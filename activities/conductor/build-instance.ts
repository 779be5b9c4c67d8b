import { type DataSource, type EntityManager } from 'typeorm';
import { type GuestInterface, type GuestSpec } from '../../common/compute/guest-spec';
import { OPERATIONS, TaskState, VmState } from '../../common/compute/instance-states';
import { type Config } from '../../common/config';
import { type Logger } from '../../common/logger';
import { type Instance } from '../../entities';
import { guestSpecOf } from './guest-specs';
import { finishEvent, startEvent } from './instance-actions';
import { finishSpawned, placeInstance, updateInstance } from './instance-tasks';
import { ledgered, type StepInput } from './operations/step-ledger';
import { type InstanceNetworking } from './networking';
import { existingClaim, releaseAllocations } from './scheduler/claims';
import {
  createDestinations,
  type Destination,
  destinationOf,
  placeWithRetries,
  type Schedule,
} from './scheduler/destinations';
import { loadHostStates } from './scheduler/load-host-states';

export const SCHEDULE_EVENT = 'conductor_schedule_and_build_instances';
export const BUILD_EVENT = OPERATIONS.create.event;

export type { Destination, Schedule };

export interface BuildDependencies {
  dataSource: DataSource;
  config: Config;
  logger: Logger;
  networking: InstanceNetworking;
}

/**
 * The conductor's steps of the boot workflow. Each is ledgered: it checks that its task still
 * owns the instance, and a second run returns what the first returned.
 */
export function createBuildActivities({ dataSource, config, logger, networking }: BuildDependencies) {
  const serviceDownTime = config.DEFAULT.service_down_time;
  const destinations = createDestinations({ config, logger });

  /** Locks the instance's server group too, so members are placed one at a time (no affinity race). */
  async function lockGroup(db: EntityManager, instance: Instance): Promise<void> {
    if (instance.requestSpec.groupUuid) {
      await db.query('SELECT 1 FROM server_groups WHERE uuid = $1 FOR UPDATE', [
        instance.requestSpec.groupUuid,
      ]);
    }
  }

  return {
    /**
     * Selects destinations (with alternates) and claims the first; none means NoValidHost. An
     * admin's `az:host` forces the host (filters skipped).
     */
    scheduleInstance(step: StepInput): Promise<Schedule> {
      return placeWithRetries(
        dataSource,
        step,
        logger,
        async (db, instance) => {
          await startEvent(db, instance.uuid, step.requestId, SCHEDULE_EVENT);
          const claimedNode = await existingClaim(db, instance.uuid);
          if (claimedNode !== undefined) {
            const [host] = await loadHostStates(db, serviceDownTime, [claimedNode]);
            return { destinations: [destinationOf(host)] };
          }
          await lockGroup(db, instance);
          const schedule = await destinations.selectAndClaim(db, instance, {
            forcedHost: instance.requestSpec.forcedHost,
          });
          if (schedule === 'conflict') return schedule;
          await finishEvent(db, instance.uuid, step.requestId, SCHEDULE_EVENT, {
            result: schedule.destinations.length > 0 ? 'Success' : 'Error',
            traceback: schedule.reason,
          });
          return schedule;
        },
        async (db, instance, reason) => {
          await startEvent(db, instance.uuid, step.requestId, SCHEDULE_EVENT);
          await finishEvent(db, instance.uuid, step.requestId, SCHEDULE_EVENT, {
            result: 'Error',
            traceback: reason,
          });
          return { destinations: [], reason };
        },
      );
    },

    /** Claims an alternate after the first host failed; false when it no longer fits. */
    claimAlternate: ledgered(
      dataSource,
      async (db, instance, step: StepInput & { destination: Destination }): Promise<boolean> => {
        await lockGroup(db, instance);
        return destinations.claimAlternate(db, instance, step.destination, {
          forcedHost: instance.requestSpec.forcedHost,
        });
      },
    ),

    /** task_state networking: the instance's ports, allocated once however often this runs. */
    allocateNetwork: ledgered(dataSource, async (db, instance): Promise<GuestInterface[]> => {
      await updateInstance(db, instance.uuid, { taskState: TaskState.NETWORKING });
      return networking.allocate(db, instance);
    }),

    /**
     * task_state block_device_mapping on the chosen host: the instance is placed there, its ports
     * bound to it, and the host gets the guest's full description.
     */
    prepareOnHost: ledgered(
      dataSource,
      async (
        db,
        instance,
        step: StepInput & { destination: Destination; interfaces: GuestInterface[] },
      ): Promise<GuestSpec> => {
        await placeInstance(db, instance, step.destination, TaskState.BLOCK_DEVICE_MAPPING);
        await networking.bind(db, instance.uuid, step.destination.host);
        await startEvent(db, instance.uuid, step.requestId, BUILD_EVENT, step.destination.host);
        return guestSpecOf(db, config, instance, step.interfaces);
      },
    ),

    /**
     * The build's ports and host in one step, since the boot folded them (its conductor steps are
     * three): the instance's ports (allocated once however often this runs), the instance placed
     * on the chosen host with its ports bound there, task_state spawning (networking and
     * block_device_mapping pass inside this transaction: the host prepares the block devices and
     * spawns in one step), and the guest's full description.
     */
    prepareBuild: ledgered(
      dataSource,
      async (db, instance, step: StepInput & { destination: Destination }): Promise<GuestSpec> => {
        const interfaces = await networking.allocate(db, instance);
        await placeInstance(db, instance, step.destination, TaskState.SPAWNING);
        await networking.bind(db, instance.uuid, step.destination.host);
        await startEvent(db, instance.uuid, step.requestId, BUILD_EVENT, step.destination.host);
        return guestSpecOf(db, config, instance, interfaces);
      },
    ),

    /** The build is over: ACTIVE, no task, powered as the host said. */
    finishBuild: ledgered(
      dataSource,
      async (db, instance, step: StepInput & { powerState: number; rootDeviceName: string }) => {
        await finishSpawned(db, instance.uuid, { ...step, vmState: VmState.ACTIVE, event: BUILD_EVENT });
      },
    ),

    /** A host failed the build: drop the claim there and unplace the instance (the next host rebinds its ports). */
    abandonHost: ledgered(
      dataSource,
      async (db, instance, step: StepInput & { destination: Destination; error: string }) => {
        await releaseAllocations(db, instance.uuid, step.destination.computeNodeId);
        await updateInstance(db, instance.uuid, { host: null, node: null, taskState: TaskState.SCHEDULING });
        await finishEvent(db, instance.uuid, step.requestId, BUILD_EVENT, {
          result: 'Error',
          traceback: step.error,
        });
      },
    ),

    /**
     * The compensation of a build that failed or was preempted: gives back what the build
     * claimed and unplaces the instance (its guest is gone). It runs also when a delete owns the
     * instance now, and touches neither its vm_state nor its task.
     */
    releaseBuildResources: ledgered(
      dataSource,
      async (db, instance) => {
        await releaseAllocations(db, instance.uuid);
        await networking.release(db, instance.uuid);
        await updateInstance(db, instance.uuid, { host: null, node: null });
      },
      { owned: false },
    ),
  };
}
