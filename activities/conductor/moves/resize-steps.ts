import { type DataSource } from 'typeorm';
import { type GuestSpec } from '../../../common/compute/guest-spec';
import { VmState } from '../../../common/compute/instance-states';
import { MigrationStatus } from '../../../common/compute/migrations';
import { type Config } from '../../../common/config';
import { InstanceAction } from '../../../entities';
import { guestSpecOf } from '../guest-specs';
import { finishAction, finishEvent, startEvent } from '../instance-actions';
import { updateInstance } from '../instance-tasks';
import { type InstanceNetworking } from '../networking';
import { ledgered } from '../operations/step-ledger';
import { type Destination } from '../scheduler/destinations';
import { releaseSourceClaim, revertMoveClaims } from '../scheduler/move-claims';
import { flavorColumns, migrationOf, type MoveStep, settledVmState, updateMigration } from './move-steps';

export const FINISH_RESIZE_EVENT = 'compute_finish_resize';
export const CONFIRM_EVENT = 'compute_confirm_resize';
export const REVERT_EVENT = 'compute_revert_resize';
export const FINISH_REVERT_EVENT = 'compute_finish_revert_resize';

/** What ends a resize's wait in VERIFY_RESIZE, and the request whose instance action it finishes. */
export interface ResizeDecision {
  decision: 'confirm' | 'revert';
  requestId: string;
}

/**
 * The conductor's steps of resize and cold migration after the shared move steps: the
 * destination finished (VERIFY_RESIZE), then confirm (the source's copy and claim go) or revert
 * (the destination's go, the source's guest is the server again).
 */
export function createResizeSteps({
  dataSource,
  config,
  networking,
}: {
  dataSource: DataSource;
  config: Config;
  networking: InstanceNetworking;
}) {
  return {
    /**
     * The destination runs the guest: the instance is there with its new flavor, in RESIZED, the
     * migration `finished`. Its task stays the resize's workflow, which waits for confirm or revert.
     */
    finishResize: ledgered(
      dataSource,
      async (db, instance, step: MoveStep & { destination: Destination; powerState: number }) => {
        const migration = await migrationOf(db, step.migrationUuid);
        await updateInstance(db, instance.uuid, {
          host: step.destination.host,
          node: step.destination.node,
          flavor: migration.newFlavor,
          ...flavorColumns(migration.newFlavor),
          vmState: VmState.RESIZED,
          taskState: null,
          powerState: step.powerState,
          progress: 100,
        });
        await updateMigration(db, step.migrationUuid, { status: MigrationStatus.FINISHED });
        await finishEvent(db, instance.uuid, step.requestId, FINISH_RESIZE_EVENT, { result: 'Success' });
        await finishAction(db, instance.uuid, step.requestId);
      },
    ),

    /**
     * What the wait ends in, as the database says: the API wrote `confirming` or `reverting`
     * before it signalled. When the confirm window ran out on a migration still `finished`, this
     * confirms it itself, recording Nova's confirmResize action under `autoRequestId`.
     */
    decideResize: ledgered(
      dataSource,
      async (db, instance, step: MoveStep & { autoRequestId?: string }): Promise<ResizeDecision | null> => {
        const migration = await migrationOf(db, step.migrationUuid);
        const latest = async (action: string) => {
          const [row] = await db
            .getRepository(InstanceAction)
            .find({ where: { instanceUuid: instance.uuid, action }, order: { id: 'DESC' }, take: 1 });
          return row?.requestId ?? step.requestId;
        };
        if (migration.status === MigrationStatus.CONFIRMING)
          return { decision: 'confirm', requestId: await latest('confirmResize') };
        if (migration.status === MigrationStatus.REVERTING)
          return { decision: 'revert', requestId: await latest('revertResize') };
        if (migration.status !== MigrationStatus.FINISHED || !step.autoRequestId) return null;
        await updateMigration(db, step.migrationUuid, { status: MigrationStatus.CONFIRMING });
        await db.getRepository(InstanceAction).insert({
          instanceUuid: instance.uuid,
          requestId: step.autoRequestId,
          action: 'confirmResize',
          projectId: instance.projectId,
          userId: instance.userId,
          startTime: new Date(),
          workflowId: step.taskId,
        });
        return { decision: 'confirm', requestId: step.autoRequestId };
      },
    ),

    /** Starts the confirm's event on the source. */
    beginConfirm: ledgered(dataSource, async (db, instance, step: MoveStep) => {
      const migration = await migrationOf(db, step.migrationUuid);
      await startEvent(db, instance.uuid, step.requestId, CONFIRM_EVENT, migration.sourceCompute);
    }),

    /** The source's copy is gone: its claim goes, the migration is `confirmed`, the server settles. */
    finishConfirm: ledgered(dataSource, async (db, instance, step: MoveStep) => {
      await releaseSourceClaim(db, step.migrationUuid);
      await updateMigration(db, step.migrationUuid, { status: MigrationStatus.CONFIRMED });
      await updateInstance(db, instance.uuid, {
        vmState: settledVmState(instance.powerState),
        taskState: null,
        taskId: null,
      });
      await finishEvent(db, instance.uuid, step.requestId, CONFIRM_EVENT, { result: 'Success' });
      await finishAction(db, instance.uuid, step.requestId);
    }),

    /** Starts the revert's event on the destination, whose copy goes first. */
    beginRevert: ledgered(dataSource, async (db, instance, step: MoveStep) => {
      await startEvent(db, instance.uuid, step.requestId, REVERT_EVENT, instance.host);
    }),

    /**
     * The destination's copy is gone: its claim goes, the source's comes back, and the instance is
     * on its source again with its old flavor; returns the guest the source restores.
     */
    revertToSource: ledgered(dataSource, async (db, instance, step: MoveStep): Promise<GuestSpec> => {
      const migration = await migrationOf(db, step.migrationUuid);
      await revertMoveClaims(db, instance.uuid, step.migrationUuid);
      await updateInstance(db, instance.uuid, {
        host: migration.sourceCompute,
        node: migration.sourceNode,
        flavor: migration.oldFlavor,
        ...flavorColumns(migration.oldFlavor),
      });
      await finishEvent(db, instance.uuid, step.requestId, REVERT_EVENT, { result: 'Success' });
      await startEvent(db, instance.uuid, step.requestId, FINISH_REVERT_EVENT, migration.sourceCompute);
      await networking.bind(db, instance.uuid, migration.sourceCompute!);
      const reverted = { ...instance, flavor: migration.oldFlavor };
      return guestSpecOf(db, config, reverted, await networking.interfaces(db, instance));
    }),

    /** The source runs the guest again: the server as it was before the resize, the migration `reverted`. */
    finishRevert: ledgered(
      dataSource,
      async (db, instance, step: MoveStep & { vmState: string; powerState: number }) => {
        await updateMigration(db, step.migrationUuid, { status: MigrationStatus.REVERTED });
        await updateInstance(db, instance.uuid, {
          vmState: step.vmState,
          taskState: null,
          taskId: null,
          powerState: step.powerState,
        });
        await finishEvent(db, instance.uuid, step.requestId, FINISH_REVERT_EVENT, { result: 'Success' });
        await finishAction(db, instance.uuid, step.requestId);
      },
    ),

    /**
     * A delete took a resized server over: the source's claim goes and the migration counts as
     * confirmed (Nova confirms a resize it deletes); the delete removes the rest.
     */
    releaseResizeSource: ledgered(
      dataSource,
      async (db, _instance, step: MoveStep) => {
        await releaseSourceClaim(db, step.migrationUuid);
        await updateMigration(db, step.migrationUuid, { status: MigrationStatus.CONFIRMED });
      },
      { owned: false },
    ),
  };
}
