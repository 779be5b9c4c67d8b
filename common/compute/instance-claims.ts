import { type EntityManager } from 'typeorm';
import { mayStart, type Operation, TaskState } from './instance-states';

/** How a claim of an instance for an operation came out. */
export type ClaimOutcome =
  | {
      outcome: 'claimed';
      previousTaskId: string | null;
      previousTaskState: string | null;
      host: string | null;
    }
  /** A delete while one already runs: nothing to do (Nova ignores the request). */
  | { outcome: 'already-running' }
  | { outcome: 'not-found' }
  /** Locked, and the caller may not override the lock (Nova's InstanceIsLocked). */
  | { outcome: 'locked' }
  /** The operation needs a host and the instance has none (Nova's InstanceNotReady). */
  | { outcome: 'not-ready' }
  /** Its vm_state or task_state does not allow the operation (Nova's InstanceInvalidState). */
  | { outcome: 'refused'; vmState: string; taskState: string | null };

interface ClaimedRow {
  vm_state: string;
  task_state: string | null;
  task_id: string | null;
  host: string | null;
  locked: boolean;
}

const DELETING: readonly string[] = [TaskState.DELETING, TaskState.SOFT_DELETING];

/**
 * The operation protocol's first step, in the caller's transaction: lock the instance row, check
 * Nova's rules in Nova's order (lock, host, state), and claim the instance by setting the
 * operation's first task_state and its task_id (the operation's workflow id). The task it took
 * the instance from, if any, is returned for the new operation to cancel.
 */
export async function claimInstance(
  db: EntityManager,
  instanceUuid: string,
  operation: Operation,
  taskId: string,
  options: { overrideLock: boolean },
): Promise<ClaimOutcome> {
  const [current]: ClaimedRow[] = await db.query(
    `SELECT vm_state, task_state, task_id, host, locked FROM instances
      WHERE uuid = $1 AND deleted_at IS NULL FOR UPDATE`,
    [instanceUuid],
  );
  if (!current) return { outcome: 'not-found' };
  if (current.locked && !options.overrideLock) return { outcome: 'locked' };
  if (operation.preempts === 'any' && current.task_state && DELETING.includes(current.task_state))
    return { outcome: 'already-running' };
  if (operation.needsHost && !current.host) return { outcome: 'not-ready' };
  const state = { vmState: current.vm_state, taskState: current.task_state };
  if (!mayStart(operation, state)) return { outcome: 'refused', ...state };
  await db.query('UPDATE instances SET task_state = $2, task_id = $3, updated_at = now() WHERE uuid = $1', [
    instanceUuid,
    operation.taskStates[0] ?? null,
    taskId,
  ]);
  return {
    outcome: 'claimed',
    previousTaskId: current.task_id,
    previousTaskState: current.task_state,
    host: current.host,
  };
}
