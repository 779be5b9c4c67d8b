import { Inject, Injectable } from '@nestjs/common';
import { type Client } from '@temporalio/client';
import { DataSource } from 'typeorm';
import { TaskState, VmState } from '../../../../common/compute/instance-states';
import { MigrationStatus } from '../../../../common/compute/migrations';
import { MOVE_SIGNALS } from '../../../../common/compute/move-signals';
import {
  CANCEL_REQUEST,
  queueSignal,
  sendQueuedSignalNow,
  type WorkflowSignal,
} from '../../../../common/compute/signal-outbox';
import { type Logger } from '../../../../common/logger';
import { type Instance, type InstanceMigration } from '../../../../entities';
import { badRequest, notFound } from '../../common/api-error';
import { type AuthContext } from '../../common/auth/auth-context';
import { LOGGER } from '../../settings.module';
import { TEMPORAL_CLIENT } from '../../temporal.module';
import { recordAction } from '../../../../common/compute/instance-actions';
import { migrationOfInstance } from './instance-migration-lookup';
import { lockInstanceInState } from './moving-instance-state';

/** Nova's instance_actions.LIVE_MIGRATION_CANCEL and LIVE_MIGRATION_FORCE_COMPLETE. */
const ABORT_ACTION = 'live_migration_cancel';
const FORCE_COMPLETE_ACTION = 'live_migration_force_complete';

/** Nova's InvalidMigrationState. */
const invalidMigrationState = (
  migrationId: string,
  migration: InstanceMigration,
  instanceUuid: string,
  method: string,
) =>
  badRequest(
    `Migration ${migrationId} state of instance ${instanceUuid} is ${migration.status}. ` +
      `Cannot ${method} while the migration is in this state.`,
  );

/** Nova's MigrationNotFoundForInstance. */
const migrationNotFoundMessage = (id: string, instanceUuid: string) =>
  `Migration ${id} not found for instance ${instanceUuid}`;

/** What one control of a running live migration is asked for. */
export interface ControlRequest {
  caller: AuthContext;
  instance: Instance;
  /** The server as the path names it, for Nova's 409 messages. */
  serverId: string;
  migrationId: string;
  requestId: string;
}

/**
 * The admin's two controls of a running live migration (compute/api.py live_migrate_abort and
 * live_migrate_force_complete): each checks the instance and the migration under row locks and
 * records its instance action, then tells the migration's workflow.
 */
@Injectable()
export class LiveMigrationControls {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * Aborts by cancelling the workflow: a running migration, and from 2.65 a queued or preparing
   * one too. The cancellation is queued with the instance action and sent after commit, as Nova
   * casts to the compute host after recording the action; one not sent now is the reconciler's.
   */
  async abort(request: ControlRequest, abortsQueued: boolean): Promise<void> {
    const { caller, instance, serverId, migrationId, requestId } = request;
    const allowed: string[] = [MigrationStatus.RUNNING];
    if (abortsQueued) allowed.push(MigrationStatus.QUEUED, MigrationStatus.PREPARING);
    const cancel = await this.dataSource.transaction(async (db): Promise<WorkflowSignal> => {
      await lockInstanceInState(db, caller, instance.uuid, serverId, {
        action: 'abort live migration',
        taskStates: [TaskState.MIGRATING],
        // InstanceIsLocked is an InstanceInvalidState without attr and state.
        lockedMessage: (id) => `Instance ${id} is in an invalid state for 'abort live migration'`,
      });
      const migration = await migrationOfInstance(db, migrationId, instance.uuid, true);
      if (!migration) throw notFound(migrationNotFoundMessage(migrationId, instance.uuid));
      if (!allowed.includes(migration.status))
        throw invalidMigrationState(migrationId, migration, instance.uuid, 'abort live migration');
      await recordAction(db, caller, instance.uuid, ABORT_ACTION, requestId, migration.workflowId);
      const queued = { workflowId: migration.workflowId, signal: CANCEL_REQUEST, args: [] };
      await queueSignal(db, queued);
      return queued;
    });
    await this.send(cancel);
  }

  /**
   * Asks the workflow to finish the copy now (pause the guest and switch over): only while the
   * migration runs. The signal is queued with the instance action and sent after commit; a
   * signal not sent now is the reconciler's to send.
   */
  async forceComplete(request: ControlRequest): Promise<void> {
    const { caller, instance, serverId, migrationId, requestId } = request;
    const signal = await this.dataSource.transaction(async (db): Promise<WorkflowSignal> => {
      await lockInstanceInState(db, caller, instance.uuid, serverId, {
        action: 'force_complete',
        vmStates: [VmState.ACTIVE],
        taskStates: [TaskState.MIGRATING],
        lockedMessage: (id) => `Instance ${id} is locked`,
      });
      const migration = await migrationOfInstance(db, migrationId, instance.uuid, true);
      // Nova's force_complete answers MigrationNotFoundForInstance with a 400, not a 404.
      if (!migration) throw badRequest(migrationNotFoundMessage(migrationId, instance.uuid));
      if (migration.status !== MigrationStatus.RUNNING)
        throw invalidMigrationState(migrationId, migration, instance.uuid, 'force complete');
      await recordAction(db, caller, instance.uuid, FORCE_COMPLETE_ACTION, requestId, migration.workflowId);
      const queued = {
        workflowId: migration.workflowId,
        signal: MOVE_SIGNALS.forceComplete,
        args: [{ requestId }],
      };
      await queueSignal(db, queued);
      return queued;
    });
    await this.send(signal);
  }

  private send(signal: WorkflowSignal): Promise<void> {
    return sendQueuedSignalNow(this.client, this.dataSource.manager, signal, this.logger);
  }
}
