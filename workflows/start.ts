import type { OperationInput } from './engine/operation-run';
import { runHostAction } from './engine/host-action';
import { type OperationOutcome } from './engine/run-operation';

/** Start (Nova's start_instance): power the stopped guest on, then ACTIVE. */
export function startWorkflow(input: OperationInput): Promise<OperationOutcome> {
  return runHostAction(input, (host) => host.powerOn({ instanceUuid: input.instanceUuid }));
}
