import { getExternalWorkflowHandle, log, workflowInfo } from '@temporalio/workflow';
import { conductor, conductorWaits } from './conductor-activities';
import { describeFailure, isHostFailure, isHostUnreachable } from './failures';
import { hostActivities } from './host-activities';

export interface DeleteInput {
  instanceUuid: string;
  requestId: string;
  /** The workflow of the task this delete took the instance from (a build, say), to cancel first. */
  preemptedTaskId?: string;
}

/**
 * Delete (Nova's terminate_instance): preempt the running task, if any, and wait for its
 * compensation; destroy the guest on its host; release ports and allocations; mark the instance
 * deleted. A host that is gone cannot destroy now: the delete completes and the host destroys the
 * guest when it reports again (Nova's local delete).
 */
export async function deleteWorkflow({
  instanceUuid,
  requestId,
  preemptedTaskId,
}: DeleteInput): Promise<void> {
  const step = { instanceUuid, requestId, taskId: workflowInfo().workflowId };
  if (preemptedTaskId) {
    await getExternalWorkflowHandle(preemptedTaskId)
      .cancel()
      .catch((error) =>
        log.info('preempted task had already ended', { preemptedTaskId, error: String(error) }),
      );
    await conductorWaits.awaitWorkflowClosed(preemptedTaskId);
  }
  const { host } = await conductor.beginDelete(step);
  let hostUnreachable = false;
  if (host) {
    try {
      await hostActivities(host).destroy(instanceUuid);
    } catch (error) {
      if (!isHostFailure(error)) throw error;
      if (!isHostUnreachable(error)) {
        // The guest may still run: keep the instance, in ERROR, for the user to delete again.
        await conductor.failDelete({ ...step, error: `${host}: ${describeFailure(error)}` });
        return;
      }
      hostUnreachable = true;
    }
  }
  await conductor.completeDelete({ ...step, hostUnreachable });
}
