import { proxyActivities } from '@temporalio/workflow';
import type { createReconcilerActivities } from '../activities/conductor/reconciler';

const { reconcile } = proxyActivities<ReturnType<typeof createReconcilerActivities>>({
  startToCloseTimeout: '5 minutes',
  retry: { maximumAttempts: 3 },
});

/** One pass of the reconciler; a Temporal Schedule starts it every [conductor] reconcile_interval. */
export async function reconcileWorkflow(): Promise<void> {
  await reconcile();
}
