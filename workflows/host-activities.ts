import { ActivityCancellationType, type ActivityOptions, proxyActivities } from '@temporalio/workflow';
import type { ComputeActivities } from '../activities/compute';
import { computeTaskQueue } from '../common/task-queues';

/**
 * The activities of one compute host, on its own queue `compute.<host>`. A host that polls no
 * more is noticed by the schedule-to-start timeout (then the workflow tries another host), a host
 * that dies mid-operation by the heartbeat timeout (then the attempt is retried there). Cancelling
 * waits for the host to finish what it was doing, so compensation never races the guest.
 */
export function hostActivities(host: string, overrides: Partial<ActivityOptions> = {}): ComputeActivities {
  return proxyActivities<ComputeActivities>({
    taskQueue: computeTaskQueue(host),
    scheduleToStartTimeout: '30 seconds',
    startToCloseTimeout: '10 minutes',
    heartbeatTimeout: '10 seconds',
    retry: { initialInterval: '1 second', maximumAttempts: 3 },
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    ...overrides,
  });
}
