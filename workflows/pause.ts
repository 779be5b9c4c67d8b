import type { OperationInput } from './engine/operation-run';
import { runHostAction } from './engine/host-action';
import { type OperationOutcome } from './engine/run-operation';

/** Pause (Nova's pause_instance): the guest keeps its memory but runs no more; PAUSED. */
export function pauseWorkflow(input: OperationInput): Promise<OperationOutcome> {
  return runHostAction(input, (host) => host.pause({ instanceUuid: input.instanceUuid }));
}
