import type { OperationInput } from './engine/operation-run';
import { runHostAction } from './engine/host-action';
import { type OperationOutcome } from './engine/run-operation';

/** Restore (Nova's restore_instance): a soft-deleted instance powered on again, ACTIVE. */
export function restoreWorkflow(input: OperationInput): Promise<OperationOutcome> {
  return runHostAction(input, (host) => host.powerOn({ instanceUuid: input.instanceUuid }));
}
