import { conductor } from './conductor-activities';
import type { OperationInput } from './engine/operation-run';
import { operationFailed, type OperationOutcome, runOperation } from './engine/run-operation';
import { describeFailure, isHostFailure, isHostUnreachable } from './failures';
import { hostActivities } from './host-activities';

export type DeleteInput = OperationInput & { operation: 'delete' | 'force_delete' };

/** Nova's fault when the host could not destroy the guest. */
const TERMINATE_FAILED = 'Failed to terminate the instance on its host.';

/**
 * Delete (Nova's terminate_instance): preempt the running task, if any, and wait for its
 * compensation; destroy the guest on its host; release ports and allocations; mark the instance
 * deleted. A host that is gone cannot destroy now: the delete completes and the host destroys the
 * guest when it reports again (Nova's local delete). A host that fails to destroy leaves the
 * instance in ERROR, for the user to delete again.
 */
export async function deleteWorkflow(input: DeleteInput): Promise<OperationOutcome> {
  return runOperation(input, async (run) => {
    const { host } = await conductor.beginOperation(run.step('beginOperation'));
    let hostUnreachable = false;
    if (host) {
      try {
        await hostActivities(host).destroy(input.instanceUuid);
      } catch (error) {
        if (!isHostFailure(error)) throw error;
        if (!isHostUnreachable(error)) {
          throw operationFailed({
            code: 500,
            message: TERMINATE_FAILED,
            details: `${host}: ${describeFailure(error)}`,
          });
        }
        hostUnreachable = true;
      }
    }
    await conductor.completeDelete({ ...run.step('completeDelete'), hostUnreachable });
  });
}
