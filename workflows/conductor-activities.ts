import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { createConductorActivities } from '../activities/conductor';

type ConductorActivities = ReturnType<typeof createConductorActivities>;

/**
 * The conductor's short database steps run as local activities, in the workflow's own worker:
 * no round trip through the Temporal server per step. They retry a bounded number of times
 * (about 45 s of backoff, enough for a database restart); a step still failing then ends its
 * operation with a fault naming it, never an endless retry. Typed refusals (preempted, refused)
 * fail at once.
 */
export const conductor = proxyLocalActivities<ConductorActivities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '200 milliseconds',
    backoffCoefficient: 2,
    maximumInterval: '10 seconds',
    maximumAttempts: 10,
  },
});

/** Conductor steps that wait long (another workflow's end) run as regular, heartbeating activities. */
export const conductorWaits = proxyActivities<ConductorActivities>({
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '30 seconds',
  retry: { maximumInterval: '30 seconds', maximumAttempts: 20 },
});
