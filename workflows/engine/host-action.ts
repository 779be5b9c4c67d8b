import type { ComputeActivities, GuestPower } from '../../activities/compute';
import { conductor } from '../conductor-activities';
import { hostActivities } from '../host-activities';
import type { OperationInput } from './operation-run';
import { type OperationRun } from './operation-run';
import { operationFailed, type OperationOutcome, runOperation } from './run-operation';

/** The host's part of an in-place action: one or more host activities, ending in a power state. */
export type HostSteps = (host: ComputeActivities, run: OperationRun, hostName: string) => Promise<GuestPower>;

/**
 * An action done on the instance's own host (stop, start, pause, ...): begin the event, the
 * host's steps on `compute.<host>`, then the operation's vm_state with the power state the host
 * reports. A failure reverts the task state and records the fault, as Nova's reverts_task_state.
 */
export function runHostAction(input: OperationInput, steps: HostSteps): Promise<OperationOutcome> {
  return runOperation(input, async (run) => {
    const { host } = await conductor.beginOperation(run.step('beginOperation'));
    if (!host) throw operationFailed({ code: 500, message: `Instance ${input.instanceUuid} is not ready` });
    const { powerState } = await steps(hostActivities(host), run, host);
    await conductor.completeOperation({ ...run.step('completeOperation'), powerState });
  });
}
