import {
  ApplicationFailure,
  CancellationScope,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  metricMeter,
} from '@temporalio/workflow';
import type { Fault } from '../../activities/conductor/operations/operation-steps';
import { FailureType } from '../../common/compute/failures';
import { conductor, conductorWaits } from '../conductor-activities';
import { applicationFailureOf, isPreempted } from '../failures';
import { type OperationInput, OperationRun } from './operation-run';

/** How an operation ended: done, failed (fault written, state as Nova's table says), or preempted. */
export type OperationOutcome = 'done' | 'failed' | 'preempted';

/** Ends the operation with this fault (no valid host, hosts exhausted, a host that refused, ...). */
export function operationFailed(fault: Fault): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureType.OPERATION_FAILED,
    message: fault.message,
    details: [fault],
    nonRetryable: true,
  });
}

export interface RunOptions {
  /** The run to use: a later phase of a workflow continues its earlier phase's step keys. */
  run?: OperationRun;
  /** Whether a failure now leaves ERROR whatever the operation's onFailure says (a move past its source). */
  failsToError?: () => boolean;
}

/**
 * Counts the operation's end, by operation and outcome, on the conductor's metrics endpoint
 * (the SDK emits workflow metrics only when not replaying: each end counts once).
 */
function countEnd(operation: string, outcome: OperationOutcome | 'cancelled'): void {
  metricMeter
    .createCounter('novaflow_operations_total', 'operations', 'Operations ended, by operation and outcome')
    .add(1, { operation, outcome });
}

/** Cancels the task this operation took the instance from and waits for its compensation to end. */
async function preempt(taskId: string): Promise<void> {
  await getExternalWorkflowHandle(taskId)
    .cancel()
    .catch((error) => log.info('preempted task had already ended', { taskId, error: String(error) }));
  await conductorWaits.awaitWorkflowClosed(taskId);
}

/**
 * The workflow side of the operation engine: runs an operation's steps as a saga. On failure the
 * undos run, then the conductor writes the fault and leaves the state Nova's table allows; on
 * cancellation (a delete preempting it) or preemption the undos run and the instance is left to
 * the task that took it.
 */
export async function runOperation(
  input: OperationInput,
  steps: (run: OperationRun) => Promise<void>,
  options: RunOptions = {},
): Promise<OperationOutcome> {
  const run = options.run ?? new OperationRun(input);
  try {
    if (input.preemptedTaskId) await preempt(input.preemptedTaskId);
    await steps(run);
    countEnd(input.operation, 'done');
    return 'done';
  } catch (error) {
    // Named before the undos run: they are conductor steps too, and the last one would be blamed.
    const failure = applicationFailureOf(error);
    const fault =
      failure?.type === FailureType.OPERATION_FAILED
        ? (failure.details?.[0] as Fault)
        : run.faultOfExhaustedStep(error);
    await run.compensate();
    if (isCancellation(error)) {
      countEnd(input.operation, 'cancelled');
      throw error;
    }
    if (isPreempted(error)) {
      countEnd(input.operation, 'preempted');
      return 'preempted';
    }
    log.warn('operation failed', { ...input, fault });
    try {
      await CancellationScope.nonCancellable(() =>
        conductor.failOperation({ ...run.step('fail'), fault, toError: options.failsToError?.() }),
      );
    } catch (failError) {
      // Preempted meanwhile: the new task owns the instance. Otherwise the reconciler, which
      // finds a task_id naming a closed workflow, rolls back what this could not.
      if (isPreempted(failError)) {
        countEnd(input.operation, 'preempted');
        return 'preempted';
      }
      throw failError;
    }
    countEnd(input.operation, 'failed');
    return 'failed';
  }
}
