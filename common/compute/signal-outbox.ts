import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { type EntityManager } from 'typeorm';
import { type Logger } from '../logger';

/** The outbox's name for a cancellation request (an abort): sent as Temporal's cancel, not a signal. */
export const CANCEL_REQUEST = '$cancel';

/** A signal for a running workflow (or CANCEL_REQUEST), as written to the outbox. */
export interface WorkflowSignal {
  workflowId: string;
  signal: string;
  args: unknown[];
}

/**
 * Writes the signal into the outbox in the caller's transaction, the one that records what the
 * signal tells (a resize confirmed): a crash before it is sent loses nothing, the reconciler sends it.
 */
export async function queueSignal(db: EntityManager, signal: WorkflowSignal): Promise<void> {
  await db.query(
    `INSERT INTO signal_outbox (workflow_id, signal, args) VALUES ($1, $2, $3)
     ON CONFLICT (workflow_id, signal) DO UPDATE SET args = EXCLUDED.args`,
    [signal.workflowId, signal.signal, JSON.stringify(signal.args)],
  );
}

/**
 * Sends a queued signal and clears its outbox row. Signals are idempotent here (they wake a wait
 * whose outcome the database holds), so sending twice is harmless; a workflow that is gone takes
 * no more signals, and its row goes too.
 */
export async function sendQueuedSignal(
  client: Client,
  db: EntityManager,
  signal: WorkflowSignal,
): Promise<void> {
  try {
    const handle = client.workflow.getHandle(signal.workflowId);
    if (signal.signal === CANCEL_REQUEST) await handle.cancel();
    else await handle.signal(signal.signal, ...signal.args);
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
  await db.query('DELETE FROM signal_outbox WHERE workflow_id = $1 AND signal = $2', [
    signal.workflowId,
    signal.signal,
  ]);
}

/**
 * Sends a signal just queued and committed, as the API does after its transaction: one that cannot
 * be sent now (Temporal away) stays in the outbox, logged, for the reconciler to send.
 */
export async function sendQueuedSignalNow(
  client: Client,
  db: EntityManager,
  signal: WorkflowSignal,
  logger: Logger,
): Promise<void> {
  await sendQueuedSignal(client, db, signal).catch((error: unknown) =>
    logger.warn({ err: error, workflowId: signal.workflowId }, 'signal not sent now; the reconciler will'),
  );
}

/** Signals queued longer than `olderThanSeconds`: the API process died before sending them. */
export async function pendingSignals(
  db: EntityManager,
  olderThanSeconds: number,
  limit: number,
): Promise<WorkflowSignal[]> {
  const rows: { workflow_id: string; signal: string; args: unknown[] }[] = await db.query(
    `SELECT workflow_id, signal, args FROM signal_outbox
      WHERE created_at < now() - make_interval(secs => $1) ORDER BY created_at LIMIT $2`,
    [olderThanSeconds, limit],
  );
  return rows.map((row) => ({ workflowId: row.workflow_id, signal: row.signal, args: row.args }));
}
