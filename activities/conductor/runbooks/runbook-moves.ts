import { type Client } from '@temporalio/client';
import { type DataSource } from 'typeorm';
import { recordFinishedEvent } from '../../../common/compute/instance-actions';
import { createMigration } from '../../../common/compute/instance-migrations';
import { conflictMessage, OPERATIONS } from '../../../common/compute/instance-states';
import { MigrationStatus, MigrationType } from '../../../common/compute/migrations';
import {
  claimAndQueue,
  isLaunched,
  launchOf,
  startIfQueued,
  taskIdOf,
} from '../../../common/compute/operation-launch';
import { type RunbookActor } from '../../../common/compute/runbooks';
import { type Config } from '../../../common/config';
import { Instance } from '../../../entities';
import { awaitWorkflowClosed } from '../workflow-control';

/** The moves a runbook makes: live migration off a host that runs, evacuation off one that is down. */
export type RunbookMoveKind = 'live_migrate' | 'evacuate';

/** An instance of the host, when the runbook listed it. */
export interface HostInstance {
  uuid: string;
  name: string;
}

export interface RunbookMove {
  runbookId: string;
  runbook: string;
  actor: RunbookActor;
  kind: RunbookMoveKind;
  instanceUuid: string;
  /** The host it must leave. */
  fromHost: string;
  /** Where it must go (a host-maintenance's move back); none: where the scheduler says. */
  toHost?: string;
  /** The move's own request: its instance action, and what makes the launch idempotent. */
  requestId: string;
}

/** How a launch came out: started; held by another operation (wait and ask again); or not to be moved. */
export type LaunchOutcome =
  | { outcome: 'launched'; workflowId: string }
  | { outcome: 'busy'; reason: string }
  | { outcome: 'refused'; reason: string }
  | { outcome: 'gone'; reason: string };

export interface MoveResult {
  moved: boolean;
  host: string | null;
  reason?: string;
}

/** What a move of each kind records and where it may go. */
const MIGRATION_TYPES = { live_migrate: MigrationType.LIVE_MIGRATION, evacuate: MigrationType.EVACUATION };
/** The statuses of a move that succeeded: an evacuation is `done` until its source cleans up. */
const MOVED = new Set<string>([MigrationStatus.COMPLETED, MigrationStatus.DONE]);

/**
 * The conductor's steps of a runbook's moves: list a host's instances, launch one move as the
 * API would (claim, instance action, migration record and workflow, in one transaction, then
 * started), and wait for its end. A launch is idempotent by its request id.
 */
export function createRunbookMoveSteps(deps: { dataSource: DataSource; config: Config; temporal: Client }) {
  const { dataSource, config, temporal } = deps;

  const inputOf = (move: RunbookMove) => {
    const query = move.toHost ? { requestedHost: move.toHost } : { ignoreHosts: [move.fromHost] };
    return move.kind === 'live_migrate'
      ? { query, maxConcurrent: config.DEFAULT.max_concurrent_live_migrations }
      : { query };
  };

  /** Claims and queues in one transaction; the launch's workflow id, or why not. */
  const claimAndQueueMove = (move: RunbookMove): Promise<LaunchOutcome> =>
    dataSource.transaction(async (db) => {
      const workflowId = taskIdOf(move.kind, move.instanceUuid, move.requestId);
      if (await isLaunched(db, move.instanceUuid, move.requestId)) return { outcome: 'launched', workflowId };
      const instance = await db
        .getRepository(Instance)
        .findOne({ where: { uuid: move.instanceUuid }, lock: { mode: 'pessimistic_write' } });
      if (!instance || instance.deletedAt) return { outcome: 'gone', reason: 'deleted' };
      if (instance.host !== move.fromHost)
        return { outcome: 'gone', reason: `on ${instance.host ?? 'no host'} now` };
      // Never take an instance from the operation that holds it (a resize awaiting its confirm included).
      if (instance.taskId)
        return { outcome: 'busy', reason: `held by ${instance.taskState ?? 'a task'} (${instance.taskId})` };
      const launch = launchOf(move.kind, instance, move.requestId, inputOf(move), {
        user: move.actor.userName,
        runbook: move.runbookId,
      });
      const claimant = { userId: move.actor.userId, projectId: move.actor.projectId, overrideLock: true };
      const claim = await claimAndQueue(
        db,
        claimant,
        move.kind,
        launch,
        move.requestId,
        async (tx, taskId) => ({
          migrationUuid: await createMigration(tx, {
            instance,
            type: MIGRATION_TYPES[move.kind],
            status: MigrationStatus.ACCEPTED,
            newFlavor: instance.flavor,
            userId: move.actor.userId,
            projectId: instance.projectId,
            workflowId: taskId,
          }),
        }),
      );
      if (claim.outcome === 'refused') {
        const state = { vmState: claim.vmState, taskState: claim.taskState };
        return { outcome: 'refused', reason: conflictMessage(OPERATIONS[move.kind], instance.uuid, state) };
      }
      if (claim.outcome !== 'claimed') return { outcome: 'refused', reason: claim.outcome };
      // The audit trail names the runbook beside the operation it started.
      await recordFinishedEvent(
        db,
        instance.uuid,
        move.requestId,
        `runbook_${move.runbook.replace(/-/g, '_')}`,
        {
          host: move.fromHost,
          details: `runbook ${move.runbookId}`,
        },
      );
      return { outcome: 'launched', workflowId };
    });

  return {
    /** The host's instances, oldest first: what a drain or an evacuation must move. */
    async hostInstances(host: string): Promise<HostInstance[]> {
      const rows: { uuid: string; display_name: string }[] = await dataSource.query(
        `SELECT uuid, display_name FROM instances WHERE host = $1 AND deleted_at IS NULL
          ORDER BY created_at, uuid`,
        [host],
      );
      return rows.map((row) => ({ uuid: row.uuid, name: row.display_name }));
    },

    /** Launches the move, once: a second run finds its instance action and only makes sure it started. */
    async launchMove(move: RunbookMove): Promise<LaunchOutcome> {
      const outcome = await claimAndQueueMove(move);
      if (outcome.outcome === 'launched')
        await startIfQueued(temporal, dataSource.manager, outcome.workflowId);
      return outcome;
    },

    /** Waits for the move's workflow to end, then says where the instance is and why it stayed. */
    async awaitMove(input: {
      instanceUuid: string;
      workflowId: string;
      fromHost: string;
    }): Promise<MoveResult> {
      await awaitWorkflowClosed(temporal, input.workflowId);
      const [row]: { host: string | null; status: string | null; fault: string | null }[] =
        await dataSource.query(
          `SELECT i.host, m.status,
                (SELECT f.message FROM instance_faults f WHERE f.instance_uuid = i.uuid
                    AND f.created_at >= m.created_at ORDER BY f.id DESC LIMIT 1) AS fault
           FROM instances i LEFT JOIN instance_migrations m ON m.workflow_id = $2
          WHERE i.uuid = $1`,
          [input.instanceUuid, input.workflowId],
        );
      const moved = !!row && row.host !== input.fromHost && MOVED.has(row.status ?? '');
      if (moved) return { moved, host: row.host };
      const reason = row?.fault ?? `migration ${row?.status ?? 'not found'}`;
      return { moved, host: row?.host ?? null, reason };
    },
  };
}
