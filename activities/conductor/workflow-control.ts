import { heartbeat } from '@temporalio/activity';
import { type Client, WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';

const HEARTBEAT_EVERY_MS = 5000;

/**
 * Waits until another workflow has closed, however it ended: a delete waits so for the build it
 * cancelled to finish its compensation. Temporal long-polls for the close event; the activity
 * only heartbeats meanwhile.
 */
export function createWorkflowControlActivities(client: Client) {
  return {
    awaitWorkflowClosed: (workflowId: string) => awaitWorkflowClosed(client, workflowId),
  };
}

/** Waits, heartbeating, until the workflow has closed, however it ended (failed, cancelled, gone). */
export async function awaitWorkflowClosed(client: Client, workflowId: string): Promise<void> {
  const timer = setInterval(() => heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    await client.workflow.getHandle(workflowId).result();
  } catch (error) {
    // A workflow that failed, was cancelled or terminated, or is gone has closed: all we wait for.
    if (!(error instanceof WorkflowFailedError || error instanceof WorkflowNotFoundError)) throw error;
  } finally {
    clearInterval(timer);
  }
}
