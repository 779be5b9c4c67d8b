import { type DataSource, type EntityManager } from 'typeorm';
import { type GuestInterface, type GuestSpec } from '../../common/compute/guest-spec';
import { instanceName } from '../../common/compute/instance-name';
import { OPERATIONS, TaskState, VmState } from '../../common/compute/instance-states';
import { type Config } from '../../common/config';
import { type Logger } from '../../common/logger';
import { type Instance } from '../../entities';
import { finishAction, finishEvent, startEvent } from './instance-actions';
import { updateInstance } from './instance-tasks';
import { ledgered, runLedgered, type StepInput } from './operations/step-ledger';
import { type InstanceNetworking } from './networking';
import { buildSchedulingRequest, instanceResources } from './scheduler/build-request';
import { claimOnNode, existingClaim, releaseAllocations } from './scheduler/claims';
import { selectHosts } from './scheduler/filter-scheduler';
import { type HostState } from './scheduler/host-state';
import { loadHostStates } from './scheduler/load-host-states';

export const SCHEDULE_EVENT = 'conductor_schedule_and_build_instances';
export const BUILD_EVENT = OPERATIONS.create.event;

/** A node the workflow may build on. */
export interface Destination {
  host: string;
  node: string;
  computeNodeId: number;
}

export interface Schedule {
  /** The claimed node first, then alternates (claimed only when tried); empty: no valid host. */
  destinations: Destination[];
  reason?: string;
}

/** A claim can lose a race on the node's generation; it re-reads and tries again this often. */
const CLAIM_RETRIES = 10;

/** A try of scheduleInstance lost the generation race: roll it back and read again. */
class ClaimConflict extends Error {}

const destinationOf = (host: HostState): Destination => ({
  host: host.host,
  node: host.nodename,
  computeNodeId: host.computeNodeId,
});

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

  /** One scheduling pass inside a transaction holding the instance (and its group) row locks. */
  async function scheduleOnce(db: EntityManager, instance: Instance): Promise<Schedule | 'conflict'> {
    const resources = instanceResources(instance);
    const request = await buildSchedulingRequest(db, instance);
    const forcedHost = instance.requestSpec.forcedHost;
    const hosts = (await loadHostStates(db, serviceDownTime)).filter(
      (h) => !forcedHost || h.host === forcedHost,
    );
    const selection = forcedHost
      ? { hosts: hosts.filter((h) => h.serviceUp), rejections: [`forced to host ${forcedHost}`] }
      : selectHosts(hosts, request, config, logger);
    const [chosen, ...alternates] = selection.hosts;
    if (!chosen) return { destinations: [], reason: selection.rejections.join('; ') };
    if (!(await claimOnNode(db, instance.uuid, chosen, resources))) return 'conflict';
    return { destinations: [chosen, ...alternates].map(destinationOf) };
  }

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
     * Selects destinations (with alternates) and claims the first; none means NoValidHost. A claim
     * that loses the node's generation race is tried again on a fresh read, each try in its own
     * transaction: an UPDATE that lost the race still locks the node row it looked at until its
     * transaction ends, and two schedulers each holding one node and trying the other deadlock.
     */
    async scheduleInstance(step: StepInput): Promise<Schedule> {
      for (let attempt = 1; attempt <= CLAIM_RETRIES; attempt++) {
        const outcome = await dataSource
          .transaction((db) =>
            runLedgered(db, step, async (db, instance): Promise<Schedule> => {
              await startEvent(db, instance.uuid, step.requestId, SCHEDULE_EVENT);
              const claimedNode = await existingClaim(db, instance.uuid);
              if (claimedNode !== undefined) {
                const [host] = await loadHostStates(db, serviceDownTime, [claimedNode]);
                return { destinations: [destinationOf(host)] };
              }
              await lockGroup(db, instance);
              const schedule = await scheduleOnce(db, instance);
              // Rolls this try back (its event start, its locks), recording nothing.
              if (schedule === 'conflict') throw new ClaimConflict();
              await finishEvent(db, instance.uuid, step.requestId, SCHEDULE_EVENT, {
                result: schedule.destinations.length > 0 ? 'Success' : 'Error',
                traceback: schedule.reason,
              });
              return schedule;
            }),
          )
          .catch((error: unknown) => {
            if (error instanceof ClaimConflict) return undefined;
            throw error;
          });
        if (outcome) return outcome;
        logger.debug({ instance: step.instanceUuid, attempt }, 'claim lost a generation race; rescheduling');
      }
      const reason = `claims kept conflicting ${CLAIM_RETRIES} times`;
      return dataSource.transaction((db) =>
        runLedgered(db, step, async (db, instance): Promise<Schedule> => {
          await startEvent(db, instance.uuid, step.requestId, SCHEDULE_EVENT);
          await finishEvent(db, instance.uuid, step.requestId, SCHEDULE_EVENT, {
            result: 'Error',
            traceback: reason,
          });
          return { destinations: [], reason };
        }),
      );
    },

    /** Claims an alternate after the first host failed; false when it no longer fits. */
    claimAlternate: ledgered(
      dataSource,
      async (db, instance, step: StepInput & { destination: Destination }): Promise<boolean> => {
        await lockGroup(db, instance);
        const [host] = await loadHostStates(db, serviceDownTime, [step.destination.computeNodeId]);
        if (!host || !host.serviceUp) return false;
        const request = await buildSchedulingRequest(db, instance);
        const passes = selectHosts([host], request, { ...config, scheduler: { max_attempts: 1 } }, logger);
        return passes.hosts.length > 0 && claimOnNode(db, instance.uuid, host, instanceResources(instance));
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
        const [zone] = await db.query(
          `SELECT zone FROM services WHERE host = $1 AND "binary" = 'nova-compute'`,
          [step.destination.host],
        );
        await updateInstance(db, instance.uuid, {
          host: step.destination.host,
          node: step.destination.node,
          availabilityZone: zone?.zone ?? instance.availabilityZone,
          taskState: TaskState.BLOCK_DEVICE_MAPPING,
        });
        await networking.bind(db, instance.uuid, step.destination.host);
        await startEvent(db, instance.uuid, step.requestId, BUILD_EVENT, step.destination.host);
        const metadata: { key: string; value: string }[] = await db.query(
          'SELECT key, value FROM instance_metadata WHERE instance_uuid = $1',
          [instance.uuid],
        );
        return {
          instanceUuid: instance.uuid,
          name: instanceName(config.DEFAULT.instance_name_template, instance),
          hostname: instance.hostname,
          flavor: instance.flavor,
          image: instance.requestSpec.image,
          interfaces: step.interfaces,
          userData: instance.userData,
          keyData: instance.keyData,
          metadata: Object.fromEntries(metadata.map(({ key, value }) => [key, value])),
        };
      },
    ),

    /** The build is over: ACTIVE, no task, powered as the host said. */
    finishBuild: ledgered(
      dataSource,
      async (db, instance, step: StepInput & { powerState: number; rootDeviceName: string }) => {
        await updateInstance(db, instance.uuid, {
          vmState: VmState.ACTIVE,
          taskState: null,
          taskId: null,
          powerState: step.powerState,
          rootDeviceName: step.rootDeviceName,
          launchedAt: new Date(),
        });
        await finishEvent(db, instance.uuid, step.requestId, BUILD_EVENT, { result: 'Success' });
        await finishAction(db, instance.uuid, step.requestId);
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
