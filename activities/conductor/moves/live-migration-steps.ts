import { type DataSource } from 'typeorm';
import { LIVE_MIGRATION_HOLDS_SLOT, MigrationStatus } from '../../../common/compute/migrations';
import { type LiveMigrationProgress } from '../../../apps/worker-compute/virt/driver';
import { finishAction, finishEvent } from '../instance-actions';
import { updateInstance } from '../instance-tasks';
import { type InstanceNetworking } from '../networking';
import { ledgered } from '../operations/step-ledger';
import { type Destination } from '../scheduler/destinations';
import { releaseSourceClaim } from '../scheduler/move-claims';
import { type MoveStep, updateMigration } from './move-steps';

export const LIVE_MIGRATION_EVENT = 'compute_live_migration';

/**
 * The conductor's steps of a live migration beyond the shared move steps: a slot among the
 * source's max_concurrent_live_migrations, the copy's progress, and the end.
 */
export function createLiveMigrationSteps({
  dataSource,
  networking,
}: {
  dataSource: DataSource;
  networking: InstanceNetworking;
}) {
  return {
    /**
     * Takes one of the source's slots (status `preparing`) or leaves the migration `queued`;
     * 0 is unlimited. The slot is the status itself, so a crash never leaks one.
     */
    acquireLiveMigrationSlot: ledgered(
      dataSource,
      async (db, _instance, step: MoveStep & { host: string; maxConcurrent: number }): Promise<boolean> => {
        await db.query(`SELECT pg_advisory_xact_lock(hashtext('live-migrations:' || $1))`, [step.host]);
        const [{ running }]: { running: number }[] = await db.query(
          `SELECT count(*)::int AS running FROM instance_migrations
            WHERE source_compute = $1 AND migration_type = 'live-migration' AND uuid <> $2
              AND status = ANY($3::text[])`,
          [step.host, step.migrationUuid, LIVE_MIGRATION_HOLDS_SLOT],
        );
        const free = step.maxConcurrent === 0 || running < step.maxConcurrent;
        await updateMigration(db, step.migrationUuid, {
          status: free ? MigrationStatus.PREPARING : MigrationStatus.QUEUED,
        });
        return free;
      },
    ),

    /** The copy's progress as the source measured it, in the migration and the server's `progress`. */
    recordLiveMigrationProgress: ledgered(
      dataSource,
      async (db, instance, step: MoveStep & { progress: LiveMigrationProgress }) => {
        const { progress } = step;
        await updateMigration(db, step.migrationUuid, {
          memoryTotal: String(progress.memoryTotal),
          memoryProcessed: String(progress.memoryProcessed),
          memoryRemaining: String(progress.memoryRemaining),
          diskTotal: String(progress.diskTotal),
          diskProcessed: String(progress.diskProcessed),
          diskRemaining: String(progress.diskRemaining),
        });
        const total = progress.memoryTotal + progress.diskTotal;
        const done = progress.memoryProcessed + progress.diskProcessed;
        await updateInstance(db, instance.uuid, {
          progress: total > 0 ? Math.floor((100 * done) / total) : 0,
        });
      },
    ),

    /**
     * The guest runs on the destination: the instance is there in the state it had, its ports
     * bound there, the migration `completed`, and the source's claim gone.
     */
    finishLiveMigration: ledgered(
      dataSource,
      async (
        db,
        instance,
        step: MoveStep & { destination: Destination; vmState: string; powerState: number },
      ) => {
        await networking.bind(db, instance.uuid, step.destination.host);
        await updateInstance(db, instance.uuid, {
          host: step.destination.host,
          node: step.destination.node,
          vmState: step.vmState,
          taskState: null,
          taskId: null,
          powerState: step.powerState,
        });
        await updateMigration(db, step.migrationUuid, { status: MigrationStatus.COMPLETED });
        await releaseSourceClaim(db, step.migrationUuid);
        await finishEvent(db, instance.uuid, step.requestId, LIVE_MIGRATION_EVENT, { result: 'Success' });
        await finishAction(db, instance.uuid, step.requestId);
      },
    ),

    /**
     * An aborted live migration, once rolled back: the server is where it was, in the state it
     * was, with no task (Nova records no fault for an abort). Another task that took the
     * instance meanwhile (a delete) keeps it.
     */
    releaseAbortedMove: ledgered(
      dataSource,
      async (db, instance, step: MoveStep) => {
        if (instance.taskId !== step.taskId) return;
        await updateInstance(db, instance.uuid, { taskState: null, taskId: null });
        await finishEvent(db, instance.uuid, step.requestId, LIVE_MIGRATION_EVENT, {
          result: 'Error',
          traceback: 'aborted',
        });
        await finishAction(db, instance.uuid, step.requestId);
      },
      { owned: false },
    ),
  };
}
