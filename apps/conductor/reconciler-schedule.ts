import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { CONDUCTOR_TASK_QUEUE } from '../../common/task-queues';
import { type Logger } from '../../common/logger';

export const RECONCILER_SCHEDULE_ID = 'novaflow-reconciler';

/**
 * The Temporal Schedule that runs the reconciler every `intervalSeconds`, one pass at a time.
 * Every conductor ensures it at start; a changed interval updates it.
 */
export async function ensureReconcilerSchedule(
  client: Client,
  intervalSeconds: number,
  logger: Logger,
): Promise<void> {
  const spec = { intervals: [{ every: `${intervalSeconds} seconds` }] };
  try {
    await client.schedule.create({
      scheduleId: RECONCILER_SCHEDULE_ID,
      spec,
      action: {
        type: 'startWorkflow',
        workflowType: 'reconcileWorkflow',
        workflowId: 'reconcile',
        taskQueue: CONDUCTOR_TASK_QUEUE,
        args: [],
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: `${intervalSeconds} seconds` },
    });
    logger.info({ intervalSeconds }, 'reconciler schedule created');
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await client.schedule.getHandle(RECONCILER_SCHEDULE_ID).update((schedule) => ({ ...schedule, spec }));
  }
}
