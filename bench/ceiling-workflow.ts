import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { createNoopActivities } from './noop-activities';

const regular = proxyActivities<ReturnType<typeof createNoopActivities>>({ startToCloseTimeout: '1 minute' });
const local = proxyLocalActivities<ReturnType<typeof createNoopActivities>>({
  startToCloseTimeout: '1 minute',
});

/** The Temporal server's ceiling for a workflow of `regularCount` no-op activities after `localCount` local ones. */
export async function ceilingWorkflow(localCount: number, regularCount: number): Promise<void> {
  for (let i = 0; i < localCount; i++) await local.noop();
  for (let i = 0; i < regularCount; i++) await regular.noop();
}
