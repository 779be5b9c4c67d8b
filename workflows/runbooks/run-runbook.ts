import { ApplicationFailure, CancellationScope, isCancellation, metricMeter } from '@temporalio/workflow';
import type { RunbookInput, RunbookProgress } from '../../common/compute/runbooks';
import { conductor } from '../conductor-activities';
import { describeFailure } from '../failures';
import { RunbookControl } from './runbook-control';

/** Ends a runbook as failed with this message (a host that cannot be found, one that is still up). */
export function runbookFailed(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: 'RunbookFailed', message, nonRetryable: true });
}

/**
 * Runs a runbook's steps and records how it ended: completed, aborted (by the abort signal, or
 * a cancellation from the Web UI) or failed, with its progress. The steps handle abort
 * themselves (what to leave as it was); this only names the end.
 */
export async function runRunbook(
  input: RunbookInput,
  steps: (control: RunbookControl) => Promise<void>,
): Promise<RunbookProgress> {
  const control = new RunbookControl(input);
  let cancelled: unknown;
  try {
    await steps(control);
    control.finish(control.aborted ? 'aborted' : 'completed');
  } catch (error) {
    if (isCancellation(error)) {
      cancelled = error;
      control.finish('aborted', 'cancelled');
    } else {
      control.finish('failed', describeFailure(error));
    }
  }
  control.step('done');
  const progress = control.snapshot();
  metricMeter
    .createCounter('novaflow_runbooks_total', 'runbooks', 'Runbooks ended, by runbook and state')
    .add(1, { runbook: input.runbook, state: progress.state });
  await CancellationScope.nonCancellable(() =>
    conductor.finishRunbook({ id: input.id, state: progress.state, progress }),
  );
  if (cancelled) throw cancelled;
  return progress;
}
