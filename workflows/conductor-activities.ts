import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { createConductorActivities } from '../activities/conductor';

type ConductorActivities = ReturnType<typeof createConductorActivities>;

/**
 * The conductor's short database steps run as local activities, in the workflow's own worker:
 * no round trip through the Temporal server per step. They retry until the database answers;
 * a step whose task was preempted fails at once (non-retryable).
 */
export const conductor = proxyLocalActivities<ConductorActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '10 seconds' },
});

/** Conductor steps that wait long (another workflow's end) run as regular, heartbeating activities. */
export const conductorWaits = proxyActivities<ConductorActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '30 seconds',
});
