import { log } from '@temporalio/workflow';
import type { Destination } from '../../activities/conductor/build-instance';
import { describeFailure, isHostFailure, worthAnotherHost } from '../failures';
import { type OperationRun } from './operation-run';

/** An operation's steps on one candidate host, for `tryHosts`. */
export interface HostAttempt<T> {
  /** Claims an alternate before it is tried (scheduling claimed the first); false: it no longer fits. */
  claim(destination: Destination): Promise<boolean>;
  /** The operation's steps on that host. */
  attempt(destination: Destination): Promise<T>;
  /** Removes what an attempt may have left on the host (also the undo if the operation fails later). */
  cleanUp(destination: Destination): Promise<void>;
  /** Gives back the claim on a host that failed. */
  abandon(destination: Destination, why: string): Promise<void>;
}

/**
 * Tries an operation on a host and, when the host fails it, on its alternates in turn (Nova's
 * reschedule), up to the scheduler's list. The host that succeeds keeps its clean-up as an undo
 * of the run, so a later failure or a preemption still removes the guest there.
 */
export async function tryHosts<T>(
  run: OperationRun,
  destinations: Destination[],
  steps: HostAttempt<T>,
): Promise<{ value: T; destination: Destination } | { failures: string[] }> {
  const failures: string[] = [];
  for (const [index, destination] of destinations.entries()) {
    if (index > 0 && !(await steps.claim(destination))) continue;
    const undo = run.onUndo(`clean up on ${destination.host}`, () => steps.cleanUp(destination));
    try {
      return { value: await steps.attempt(destination), destination };
    } catch (error) {
      if (!isHostFailure(error)) throw error;
      const why = `${destination.host}: ${describeFailure(error)}`;
      log.warn('operation failed on host', { instanceUuid: run.instanceUuid, why });
      failures.push(why);
      undo.drop();
      await steps.cleanUp(destination);
      await steps.abandon(destination, why);
      if (!worthAnotherHost(error)) break;
    }
  }
  return { failures };
}
