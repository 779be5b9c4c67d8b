import { type DataSource, type EntityManager } from 'typeorm';
import { type GuestSpec } from '../../../common/compute/guest-spec';
import { OPERATIONS, type TaskState, VmState } from '../../../common/compute/instance-states';
import { type MigrationStatus, type MigrationType } from '../../../common/compute/migrations';
import { type Config } from '../../../common/config';
import { type HostCapabilities } from '../../../common/host-report';
import { type Logger } from '../../../common/logger';
import { PowerState } from '../../../common/power-state';
import { type FlavorSnapshot, type Instance, InstanceMigration } from '../../../entities';
import { guestSpecOf } from '../guest-specs';
import { finishEvent, startEvent } from '../instance-actions';
import { updateInstance } from '../instance-tasks';
import { type InstanceNetworking } from '../networking';
import { ledgered, type StepInput } from '../operations/step-ledger';
import { releaseAllocations } from '../scheduler/claims';
import {
  createDestinations,
  type Destination,
  type PlacementQuery,
  placeWithRetries,
  type Schedule,
} from '../scheduler/destinations';
import { holdSourceForMigration, revertMoveClaims } from '../scheduler/move-claims';

/** Every step of a move names its migration. */
export type MoveStep = StepInput & { migrationUuid: string };

/** What a move's workflow learns of it when it begins. */
export interface MoveStart {
  migrationType: MigrationType;
  sourceHost: string;
  sourceNode: string;
  /** The vm_state and power state it started from: a move gives them back. */
  vmState: string;
  powerState: number;
  oldFlavor: FlavorSnapshot;
  newFlavor: FlavorSnapshot;
}

export interface MoveDependencies {
  dataSource: DataSource;
  config: Config;
  logger: Logger;
  networking: InstanceNetworking;
}

/** Nova's conductor event of each kind of move. */
const CONDUCTOR_EVENTS: Record<MigrationType, string> = {
  resize: 'conductor_migrate_server',
  migration: 'conductor_migrate_server',
  'live-migration': 'conductor_live_migrate_instance',
  evacuation: 'rebuild_server',
};

export async function migrationOf(db: EntityManager, uuid: string): Promise<InstanceMigration> {
  const migration = await db.getRepository(InstanceMigration).findOneBy({ uuid });
  if (!migration) throw new Error(`migration ${uuid} does not exist`);
  return migration;
}

export async function updateMigration(
  db: EntityManager,
  uuid: string,
  changes: Partial<InstanceMigration>,
): Promise<void> {
  await db.getRepository(InstanceMigration).update({ uuid }, { ...changes, updatedAt: new Date() });
}

/**
 * The conductor's steps every move shares: begin, schedule the destination holding both claims,
 * alternates, the destination's capabilities, status changes, and the undo that puts the
 * instance and its claims back on the source.
 */
export function createMoveSteps({ dataSource, config, logger, networking }: MoveDependencies) {
  const destinations = createDestinations({ config, logger });

  const declaredTaskState = (step: StepInput, taskState: TaskState) => {
    const declared: readonly string[] = OPERATIONS[step.operation].taskStates;
    if (!declared.includes(taskState))
      throw new Error(`${step.operation} does not walk through ${taskState}`);
  };

  return {
    /** Starts the conductor's event; returns where the instance is and how, and the migration's flavors. */
    beginMove: ledgered(dataSource, async (db, instance, step: MoveStep): Promise<MoveStart> => {
      const migration = await migrationOf(db, step.migrationUuid);
      const type = migration.migrationType as MigrationType;
      await startEvent(db, instance.uuid, step.requestId, CONDUCTOR_EVENTS[type]);
      return {
        migrationType: type,
        sourceHost: instance.host!,
        sourceNode: instance.node!,
        vmState: instance.vmState,
        powerState: instance.powerState,
        oldFlavor: migration.oldFlavor,
        newFlavor: migration.newFlavor,
      };
    }),

    /**
     * Chooses the destination and claims it for the instance, the source's claim passing to the
     * migration in the same transaction; none found ends the conductor's event in error.
     */
    scheduleMove(step: MoveStep & { query: PlacementQuery }): Promise<Schedule> {
      const finishConductorEvent = async (db: EntityManager, instance: Instance, schedule: Schedule) => {
        const migration = await migrationOf(db, step.migrationUuid);
        await finishEvent(
          db,
          instance.uuid,
          step.requestId,
          CONDUCTOR_EVENTS[migration.migrationType as MigrationType],
          {
            result: schedule.destinations.length > 0 ? 'Success' : 'Error',
            traceback: schedule.reason,
          },
        );
        return migration;
      };
      return placeWithRetries(
        dataSource,
        step,
        logger,
        async (db, instance) => {
          await holdSourceForMigration(db, instance.uuid, step.migrationUuid);
          const migration = await migrationOf(db, step.migrationUuid);
          const schedule = await destinations.selectAndClaim(db, instance, {
            ...step.query,
            flavor: migration.newFlavor,
          });
          if (schedule === 'conflict') return schedule;
          await finishConductorEvent(db, instance, schedule);
          const [chosen] = schedule.destinations;
          if (chosen) await recordDestination(db, step.migrationUuid, chosen);
          return schedule;
        },
        async (db, instance, reason) => {
          const schedule = { destinations: [], reason };
          await finishConductorEvent(db, instance, schedule);
          return schedule;
        },
      );
    },

    /** Claims an alternate destination once the first one refused; false when it no longer fits. */
    claimMoveAlternate: ledgered(
      dataSource,
      async (db, instance, step: MoveStep & { destination: Destination; query: PlacementQuery }) => {
        const migration = await migrationOf(db, step.migrationUuid);
        const claimed = await destinations.claimAlternate(db, instance, step.destination, {
          ...step.query,
          flavor: migration.newFlavor,
        });
        if (claimed) await recordDestination(db, step.migrationUuid, step.destination);
        return claimed;
      },
    ),

    /** A destination refused: its claim goes. */
    abandonMoveHost: ledgered(
      dataSource,
      async (db, instance, step: MoveStep & { destination: Destination }) => {
        await releaseAllocations(db, instance.uuid, step.destination.computeNodeId);
      },
    ),

    /** What the host's driver can do, as it last reported. */
    hostCapabilities: ledgered(
      dataSource,
      async (db, _instance, step: MoveStep & { host: string }): Promise<Partial<HostCapabilities>> => {
        const [row]: { capabilities: Partial<HostCapabilities> }[] = await db.query(
          'SELECT capabilities FROM compute_nodes WHERE host = $1 ORDER BY id LIMIT 1',
          [step.host],
        );
        return row?.capabilities ?? {};
      },
    ),

    /** The migration's next status, and the instance's next declared task_state with it. */
    advanceMove: ledgered(
      dataSource,
      async (
        db,
        instance,
        step: MoveStep & {
          status: MigrationStatus;
          taskState?: TaskState;
          event?: string;
          eventHost?: string;
        },
      ) => {
        if (step.taskState) {
          declaredTaskState(step, step.taskState);
          await updateInstance(db, instance.uuid, { taskState: step.taskState });
        }
        await updateMigration(db, step.migrationUuid, { status: step.status });
        if (step.event)
          await startEvent(db, instance.uuid, step.requestId, step.event, step.eventHost ?? null);
      },
    ),

    /** Finishes one of the move's events. */
    finishMoveEvent: ledgered(
      dataSource,
      async (db, instance, step: MoveStep & { event: string; error?: string }) => {
        await finishEvent(db, instance.uuid, step.requestId, step.event, {
          result: step.error ? 'Error' : 'Success',
          traceback: step.error,
        });
      },
    ),

    /**
     * The guest as the destination must build it: the move's new flavor, the instance's ports
     * bound to the destination now.
     */
    destinationSpec: ledgered(
      dataSource,
      async (
        db,
        instance,
        step: MoveStep & { destHost: string; taskState?: TaskState; bindPorts?: boolean },
      ): Promise<GuestSpec> => {
        if (step.taskState) {
          declaredTaskState(step, step.taskState);
          await updateInstance(db, instance.uuid, { taskState: step.taskState });
        }
        const migration = await migrationOf(db, step.migrationUuid);
        // A live migration binds them only once the guest runs there.
        if (step.bindPorts !== false) await networking.bind(db, instance.uuid, step.destHost);
        return guestSpecOf(db, config, instance, await networking.interfaces(db, instance), {
          flavor: migration.newFlavor,
        });
      },
    ),

    /**
     * The undo of a move that did not happen, also after a preemption: the destination's claim
     * goes and the source's comes back to the instance, the migration ends in `status`, and an
     * instance still ours is back on its source with its old flavor and its ports bound there.
     */
    revertMove: ledgered(
      dataSource,
      async (db, instance, step: MoveStep & { status: MigrationStatus }) => {
        const migration = await migrationOf(db, step.migrationUuid);
        await revertMoveClaims(db, instance.uuid, step.migrationUuid);
        await updateMigration(db, step.migrationUuid, { status: step.status });
        if (instance.taskId !== step.taskId || !migration.sourceCompute) return;
        await updateInstance(db, instance.uuid, {
          host: migration.sourceCompute,
          node: migration.sourceNode,
          flavor: migration.oldFlavor,
          ...flavorColumns(migration.oldFlavor),
        });
        await networking.bind(db, instance.uuid, migration.sourceCompute);
      },
      { owned: false },
    ),
  };
}

/** Nova's vm_state of a server whose guest is in `powerState` once a move is over: SHUTOFF stays SHUTOFF. */
export const settledVmState = (powerState: number) =>
  powerState === PowerState.SHUTDOWN ? VmState.STOPPED : VmState.ACTIVE;

/** The instance's flavor columns that Nova keeps beside the flavor itself. */
export function flavorColumns(flavor: FlavorSnapshot): Partial<Instance> {
  return {
    vcpus: flavor.vcpus,
    memoryMb: flavor.memoryMb,
    rootGb: flavor.rootGb,
    ephemeralGb: flavor.ephemeralGb,
  };
}

/** Writes the chosen destination into the migration (Nova's dest_compute, dest_node, dest_host). */
async function recordDestination(db: EntityManager, migrationUuid: string, destination: Destination) {
  const [node]: { host_ip: string }[] = await db.query('SELECT host_ip FROM compute_nodes WHERE id = $1', [
    destination.computeNodeId,
  ]);
  await updateMigration(db, migrationUuid, {
    destCompute: destination.host,
    destNode: destination.node,
    destHost: node?.host_ip ?? null,
  });
}
