import type { OperationInput } from './engine/operation-run';
import { runHostAction } from './engine/host-action';
import { type OperationOutcome } from './engine/run-operation';

/** Resume (Nova's resume_instance): the suspended guest restored; ACTIVE. */
export function resumeWorkflow(input: OperationInput): Promise<OperationOutcome> {
  return runHostAction(input, (host) => host.resume({ instanceUuid: input.instanceUuid }));
}
