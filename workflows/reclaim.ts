import { executeChild, sleep } from '@temporalio/workflow';
import { conductor } from './conductor-activities';
import { childSearchAttributes } from './engine/child-search-attributes';
import { deleteWorkflow } from './delete';

export interface ReclaimInput {
  instanceUuid: string;
  /** The soft delete's request: the reclaiming delete's action and workflow are named after it. */
  requestId: string;
  afterSeconds: number;
}

/**
 * Nova's _reclaim_queued_deletes for one instance: after the interval, if the instance is still
 * SOFT_DELETED with no task, it is claimed for a delete and deleted as any other. A restore or a
 * force delete meanwhile leaves nothing to do.
 */
export async function reclaimWorkflow({
  instanceUuid,
  requestId,
  afterSeconds,
}: ReclaimInput): Promise<boolean> {
  await sleep(afterSeconds * 1000);
  const reclaimRequestId = `reclaim-${requestId}`;
  const taskId = `delete-${instanceUuid}-${reclaimRequestId}`;
  const claimed = await conductor.claimForReclaim({
    instanceUuid,
    taskId,
    requestId: reclaimRequestId,
    softDeleteRequestId: requestId,
  });
  if (!claimed) return false;
  await executeChild(deleteWorkflow, {
    workflowId: taskId,
    args: [{ operation: 'delete', instanceUuid, requestId: reclaimRequestId }],
    typedSearchAttributes: childSearchAttributes('delete'),
  });
  return true;
}
