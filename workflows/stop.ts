import type { OperationInput } from './engine/operation-run';
import { runHostAction } from './engine/host-action';
import { type OperationOutcome } from './engine/run-operation';

/** Stop (Nova's stop_instance): a clean shutdown, then SHUTOFF. */
export function stopWorkflow(input: OperationInput): Promise<OperationOutcome> {
  return runHostAction(input, (host) => host.powerOff({ instanceUuid: input.instanceUuid }));
}
