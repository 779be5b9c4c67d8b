import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { childSearchAttributes } from './engine/child-search-attributes';
import { runHostAction } from './engine/host-action';
import type { OperationInput } from './engine/operation-run';
import { type OperationOutcome } from './engine/run-operation';
import { reclaimWorkflow } from './reclaim';

export type SoftDeleteInput = OperationInput & {
  operation: 'soft_delete';
  /** [DEFAULT] reclaim_instance_interval: how long the instance is kept before it is deleted. */
  reclaimAfterSeconds: number;
};

/** The workflow that reclaims a soft-deleted instance, one per soft delete. */
export const reclaimWorkflowId = (instanceUuid: string, requestId: string) =>
  `reclaim-${instanceUuid}-${requestId}`;

/**
 * Soft delete (Nova's soft_delete_instance, when reclaim_instance_interval > 0): the guest is
 * powered off and the instance kept as SOFT_DELETED; a reclaim workflow with a durable timer
 * deletes it after the interval unless it was restored (or force-deleted) meanwhile.
 */
export async function softDeleteWorkflow(input: SoftDeleteInput): Promise<OperationOutcome> {
  const outcome = await runHostAction(input, (host) => host.powerOff({ instanceUuid: input.instanceUuid }));
  if (outcome === 'done') {
    await startChild(reclaimWorkflow, {
      workflowId: reclaimWorkflowId(input.instanceUuid, input.requestId),
      args: [
        {
          instanceUuid: input.instanceUuid,
          requestId: input.requestId,
          afterSeconds: input.reclaimAfterSeconds,
        },
      ],
      parentClosePolicy: ParentClosePolicy.ABANDON,
      typedSearchAttributes: childSearchAttributes('reclaim'),
    });
  }
  return outcome;
}
