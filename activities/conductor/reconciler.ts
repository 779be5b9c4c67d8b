import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { type DataSource, type EntityManager } from 'typeorm';
import { OPERATIONS, type OperationName, VmState } from '../../common/compute/instance-states';
import { pendingSignals, sendQueuedSignal } from '../../common/compute/signal-outbox';
import { relayLaunches } from '../../common/compute/outbox-relay';
import { pendingLaunches } from '../../common/compute/workflow-outbox';
import { type Logger } from '../../common/logger';
import { InstanceFault } from '../../entities';
import { finishAction } from './instance-actions';
import { type InstanceNetworking } from './networking';
import { purgeStepLedger } from './operations/step-ledger';
import { releaseAllocations } from './scheduler/claims';

/** What one reconciliation pass found and did, for the log and the tests. */
export interface Reconciliation {
  started: string[];
  /** Queued signals sent (workflow id and signal). */
  signalled: string[];
  rolledBack: string[];
  purgedSteps: number;
  /** Hosts whose power-sync schedule this pass ensured (new to this conductor). */
  powerSyncHosts: string[];
}

/** Most rows one pass looks at at once, so a backlog is worked off in pieces. */
const BATCH = 100;
/** Pages of queued launches one pass starts (started in parallel, a page takes a second or so). */
const LAUNCH_PAGES = 20;
/** Ledger entries older than this can belong to no step that might still run again. */
const LEDGER_RETENTION_SECONDS = 24 * 3600;

interface StaleTask {
  uuid: string;
  task_id: string;
  vm_state: string;
}

/** The operation named by a task id `<operation>-<instance>-<request>`, if it is one of ours. */
function operationOf(taskId: string): OperationName | undefined {
  const name = taskId.split('-', 1)[0];
  return name in OPERATIONS ? (name as OperationName) : undefined;
}

/**
 * The reconciler, run by a Temporal Schedule: it starts the workflows (and sends the signals) an
 * API process queued but died before sending, and rolls back the instances whose task_id names a workflow that
 * is no more running (ended without finishing, terminated by an operator), so that no state
 * sticks and nothing stays claimed.
 */
export function createReconcilerActivities(deps: {
  dataSource: DataSource;
  temporal: Client;
  networking: InstanceNetworking;
  logger: Logger;
  graceSeconds: number;
  ensurePowerSyncSchedules: () => Promise<string[]>;
}) {
  const { dataSource, temporal, networking, logger, graceSeconds } = deps;

  async function workflowIsRunning(workflowId: string): Promise<{ running: boolean; status: string }> {
    try {
      const { status } = await temporal.workflow.getHandle(workflowId).describe();
      return { running: status.name === 'RUNNING', status: status.name };
    } catch (error) {
      if (error instanceof WorkflowNotFoundError) return { running: false, status: 'NOT_FOUND' };
      throw error;
    }
  }

  /** Ends a task whose workflow is gone, as its operation's failure would have, if it still owns the instance. */
  async function rollBack(db: EntityManager, task: StaleTask, status: string): Promise<boolean> {
    const [row]: { task_id: string | null; host: string | null }[] = await db.query(
      'SELECT task_id, host FROM instances WHERE uuid = $1 FOR UPDATE',
      [task.uuid],
    );
    if (row?.task_id !== task.task_id) return false;
    const operation = operationOf(task.task_id);
    const building = task.vm_state === VmState.BUILDING;
    if (building) {
      await releaseAllocations(db, task.uuid);
      await networking.release(db, task.uuid);
    }
    await db.getRepository(InstanceFault).insert({
      instanceUuid: task.uuid,
      code: 500,
      message: `The task ${task.task_id} ended without finishing (${status}).`,
      host: row.host,
    });
    const toError = building || !operation || OPERATIONS[operation].onFailure === 'error';
    await db.query(
      `UPDATE instances SET task_state = NULL, task_id = NULL, updated_at = now(),
              vm_state = CASE WHEN $2 THEN 'error' ELSE vm_state END,
              host = CASE WHEN $3 THEN NULL ELSE host END, node = CASE WHEN $3 THEN NULL ELSE node END
        WHERE uuid = $1`,
      [task.uuid, toError, building],
    );
    const requestId = task.task_id.slice(task.task_id.indexOf(task.uuid) + task.uuid.length + 1);
    await finishAction(db, task.uuid, requestId);
    return true;
  }

  return {
    async reconcile(): Promise<Reconciliation> {
      const result: Reconciliation = {
        started: [],
        signalled: [],
        rolledBack: [],
        purgedSteps: 0,
        powerSyncHosts: [],
      };
      // Page after page: a create of many servers whose API died leaves a backlog of launches.
      for (let page = 0; page < LAUNCH_PAGES; page++) {
        const launches = await pendingLaunches(dataSource.manager, graceSeconds, BATCH);
        const { started, failed } = await relayLaunches(temporal, dataSource.manager, launches);
        result.started.push(...started);
        if (failed.length > 0) throw failed[0].error;
        if (launches.length < BATCH) break;
      }
      for (const signal of await pendingSignals(dataSource.manager, graceSeconds, BATCH)) {
        await sendQueuedSignal(temporal, dataSource.manager, signal);
        result.signalled.push(`${signal.workflowId}:${signal.signal}`);
      }
      // A resized server waiting for confirm keeps its task_id with no task_state: its workflow
      // waits on purpose (for days, maybe), and is not looked at here.
      const stale: StaleTask[] = await dataSource.query(
        `SELECT uuid, task_id, vm_state FROM instances i
          WHERE task_id IS NOT NULL AND task_state IS NOT NULL AND deleted_at IS NULL
            AND updated_at < now() - make_interval(secs => $1)
            AND NOT EXISTS (SELECT 1 FROM workflow_outbox o WHERE o.workflow_id = i.task_id)
          ORDER BY updated_at LIMIT $2`,
        [graceSeconds, BATCH],
      );
      for (const task of stale) {
        const { running, status } = await workflowIsRunning(task.task_id);
        if (running) continue;
        if (await dataSource.transaction((db) => rollBack(db, task, status))) {
          logger.warn(
            { instance: task.uuid, task: task.task_id, status },
            'rolled back a task whose workflow is gone',
          );
          result.rolledBack.push(task.task_id);
        }
      }
      result.purgedSteps = await purgeStepLedger(dataSource.manager, LEDGER_RETENTION_SECONDS);
      // Schedules are the reconciler's last and least urgent work: their failure must not undo a pass.
      result.powerSyncHosts = await deps.ensurePowerSyncSchedules().catch((error: unknown) => {
        logger.warn({ err: error }, 'could not ensure the power-sync schedules; the next pass tries again');
        return [];
      });
      if (result.started.length > 0) logger.warn({ started: result.started }, 'started queued workflows');
      return result;
    },
  };
}
