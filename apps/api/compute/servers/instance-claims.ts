import { type EntityManager } from 'typeorm';
import { conflictMessage, type Operation } from '../../../../common/compute/instance-states';
import { ApiError } from '../../common/api-error';
import { instanceNotFound } from './server-reader';

export interface Claim {
  /** The same preempting operation already runs (a second delete): nothing to do. */
  alreadyRunning: boolean;
  /** The task the claim took the instance from, to be cancelled (delete only). */
  previousTaskId: string | null;
  previousTaskState: string | null;
}

/**
 * The operation protocol's step 1: one conditional UPDATE claims the instance for an operation,
 * setting its first task_state and its task_id (the operation's workflow id). It succeeds only
 * where no task runs (or the operation preempts) and the vm_state allows it; otherwise Nova's
 * 409. The previous task is returned for a preempting operation to cancel.
 */
export async function claimForOperation(
  db: EntityManager,
  instanceUuid: string,
  operation: Operation,
  taskId: string,
): Promise<Claim> {
  const [current]: { vm_state: string; task_state: string | null; task_id: string | null }[] = await db.query(
    'SELECT vm_state, task_state, task_id FROM instances WHERE uuid = $1 AND deleted_at IS NULL FOR UPDATE',
    [instanceUuid],
  );
  if (!current) throw instanceNotFound(instanceUuid);
  const firstTaskState = operation.taskStates[0] ?? null;
  if (operation.preempts && firstTaskState !== null && current.task_state === firstTaskState) {
    return { alreadyRunning: true, previousTaskId: null, previousTaskState: null };
  }
  const claimed = await db.query(
    `UPDATE instances SET task_state = $2, task_id = $3, updated_at = now()
      WHERE uuid = $1 AND deleted_at IS NULL
        AND ($4 OR task_state IS NULL)
        AND ($5::text[] IS NULL OR vm_state = ANY($5::text[]))
      RETURNING uuid`,
    [instanceUuid, firstTaskState, taskId, operation.preempts, operation.fromVmStates ?? null],
  );
  if (claimed.length === 0) {
    throw new ApiError(
      'conflictingRequest',
      conflictMessage(operation, instanceUuid, { vmState: current.vm_state, taskState: current.task_state }),
    );
  }
  return { alreadyRunning: false, previousTaskId: current.task_id, previousTaskState: current.task_state };
}
