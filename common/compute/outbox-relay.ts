import { type Client } from '@temporalio/client';
import { type EntityManager } from 'typeorm';
import { Semaphore } from '../semaphore';
import { startQueuedWorkflow, type WorkflowLaunch } from './workflow-outbox';

/** How many starts one relay keeps in flight: enough to hide Temporal's round trip, few enough to share. */
export const RELAY_CONCURRENCY = 16;

/** What one relay did: the launches it started, and those it could not (left in the outbox). */
export interface Relayed {
  started: string[];
  failed: { workflowId: string; error: unknown }[];
}

/**
 * The outbox's relay: starts queued launches, at most `concurrency` at once. Each start is
 * idempotent by workflow id (see startQueuedWorkflow), so the API's relay and the reconciler
 * may both try one; a launch that fails to start stays queued for the next try.
 */
export async function relayLaunches(
  client: Client,
  db: EntityManager,
  launches: WorkflowLaunch[],
  concurrency = RELAY_CONCURRENCY,
): Promise<Relayed> {
  const slots = new Semaphore(concurrency);
  const relayed: Relayed = { started: [], failed: [] };
  await Promise.all(
    launches.map((launch) =>
      slots.run(async () => {
        try {
          await startQueuedWorkflow(client, db, launch);
          relayed.started.push(launch.workflowId);
        } catch (error) {
          relayed.failed.push({ workflowId: launch.workflowId, error });
        }
      }),
    ),
  );
  return relayed;
}
