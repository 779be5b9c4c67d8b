import type { OperationInput } from './engine/operation-run';
import { runHostAction } from './engine/host-action';
import { type OperationOutcome } from './engine/run-operation';

/** Unpause (Nova's unpause_instance): the paused guest runs again; ACTIVE. */
export function unpauseWorkflow(input: OperationInput): Promise<OperationOutcome> {
  return runHostAction(input, (host) => host.unpause({ instanceUuid: input.instanceUuid }));
}
