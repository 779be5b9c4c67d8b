import { CancelledFailure, Context } from '@temporalio/activity';

const HEARTBEAT_EVERY_MS = 2000;

/**
 * Runs a host operation while heartbeating, so that a host that dies mid-operation is noticed
 * within the heartbeat timeout and the attempt retried. The operation always runs to its end,
 * even when the workflow cancels meanwhile; only then is the cancellation acknowledged, so the
 * workflow's compensation never races a half-built guest.
 */
export async function withHeartbeat<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const timer = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    const result = await work();
    if (context.cancellationSignal.aborted)
      throw new CancelledFailure('cancelled after the host operation finished');
    return result;
  } finally {
    clearInterval(timer);
  }
}
