import type { OperationInput } from './engine/operation-run';
import { runHostAction } from './engine/host-action';
import { type OperationOutcome } from './engine/run-operation';

/** Suspend (Nova's suspend_instance): the guest's memory saved to disk; SUSPENDED. */
export function suspendWorkflow(input: OperationInput): Promise<OperationOutcome> {
  return runHostAction(input, (host) => host.suspend({ instanceUuid: input.instanceUuid }));
}
