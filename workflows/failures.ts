import { ActivityFailure, ApplicationFailure, isCancellation, TimeoutFailure } from '@temporalio/workflow';
import { FailureType } from '../common/compute/failures';

/**
 * The application failure behind an activity's failure. A regular activity's failure arrives as
 * an ActivityFailure around it; a local activity's arrives as the ApplicationFailure itself.
 */
export function applicationFailureOf(error: unknown): ApplicationFailure | undefined {
  if (error instanceof ApplicationFailure) return error;
  if (error instanceof ActivityFailure && error.cause instanceof ApplicationFailure) return error.cause;
  return undefined;
}

/** The conductor refused a step because a delete took the instance over. */
export function isPreempted(error: unknown): boolean {
  return applicationFailureOf(error)?.type === FailureType.TASK_PREEMPTED;
}

/** The network service refused the instance's ports (a full subnet, a port taken): no retry helps. */
export function isNetworkRefusal(error: unknown): boolean {
  return applicationFailureOf(error)?.type === FailureType.NETWORK_ALLOCATION_FAILED;
}

/** The host never started the activity: its worker is gone. */
export function isHostUnreachable(error: unknown): boolean {
  return (
    error instanceof ActivityFailure &&
    error.cause instanceof TimeoutFailure &&
    error.cause.timeoutType === 'SCHEDULE_TO_START'
  );
}

/** A host activity failed for good (driver error, lost host, retries spent), not by cancellation. */
export function isHostFailure(error: unknown): error is ActivityFailure {
  return error instanceof ActivityFailure && !isCancellation(error) && !isPreempted(error);
}

/** Whether the driver said another host might do better. */
export function worthAnotherHost(error: unknown): boolean {
  const failure = applicationFailureOf(error);
  if (failure?.type === FailureType.VIRT_DRIVER_ERROR) {
    const [details] = (failure.details ?? []) as { retryOnAnotherHost?: boolean }[];
    return details?.retryOnAnotherHost !== false;
  }
  return true;
}

/** One line on why an activity failed, for the fault and the instance-action event. */
export function describeFailure(error: unknown): string {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (cause instanceof TimeoutFailure)
    return `${cause.timeoutType?.toLowerCase().replace(/_/g, '-')} timeout`;
  return (cause as Error | undefined)?.message ?? String(error);
}
