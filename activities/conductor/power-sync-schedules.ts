import { createHash } from 'node:crypto';
import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { type DataSource } from 'typeorm';
import { CONDUCTOR_TASK_QUEUE, SEARCH_ATTRIBUTES } from '../../common/task-queues';

/** The schedule, and the workflow id of each run, of one host's power-state sync. */
export const powerSyncId = (host: string) => `power-sync-${host}`;

/**
 * Where in each interval a host's sync runs, in whole seconds below the interval: the same for a
 * host every time, and spread evenly over the hosts. An interval alone runs at the multiples of
 * itself since the epoch, so every host's sync would start at the same instant (Nova spreads its
 * periodic tasks with a random `periodic_fuzzy_delay` at each service's start).
 */
export function syncOffsetSeconds(host: string, intervalSeconds: number): number {
  return createHash('sha256').update(host).digest().readUInt32BE(0) % intervalSeconds;
}

/**
 * One Temporal Schedule per compute host runs its power-state sync every
 * `[DEFAULT] sync_power_state_interval` (Nova's periodic _sync_power_states, one pass at a
 * time), at its own offset in the interval. The reconciler ensures them for every compute service
 * it has not seen this process's lifetime: a new host gets its schedule within a reconcile
 * interval, a changed interval (or offset) is applied when a conductor starts.
 */
export function createPowerSyncSchedules(deps: {
  dataSource: DataSource;
  temporal: Client;
  intervalSeconds: number;
}) {
  const { dataSource, temporal, intervalSeconds } = deps;
  const ensured = new Set<string>();

  async function ensure(host: string): Promise<void> {
    const id = powerSyncId(host);
    const spec = {
      intervals: [
        {
          every: `${intervalSeconds} seconds`,
          offset: `${syncOffsetSeconds(host, intervalSeconds)} seconds`,
        },
      ],
    };
    try {
      await temporal.schedule.create({
        scheduleId: id,
        spec,
        action: {
          type: 'startWorkflow',
          workflowType: 'powerSyncWorkflow',
          workflowId: id,
          taskQueue: CONDUCTOR_TASK_QUEUE,
          args: [{ host }],
          typedSearchAttributes: [
            { key: SEARCH_ATTRIBUTES.ComputeHost, value: host },
            { key: SEARCH_ATTRIBUTES.Operation, value: 'power_sync' },
          ],
        },
        policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: `${intervalSeconds} seconds` },
      });
    } catch (error) {
      if (!(error instanceof ScheduleAlreadyRunning)) throw error;
      await temporal.schedule.getHandle(id).update((schedule) => ({ ...schedule, spec }));
    }
  }

  /** Ensures the schedule of each compute host not yet seen; returns the hosts it did. */
  return async function ensurePowerSyncSchedules(): Promise<string[]> {
    if (intervalSeconds <= 0) return [];
    const rows: { host: string }[] = await dataSource.query(
      `SELECT host FROM services WHERE "binary" = 'nova-compute' ORDER BY host`,
    );
    const fresh = rows.map((row) => row.host).filter((host) => !ensured.has(host));
    for (const host of fresh) {
      await ensure(host);
      ensured.add(host);
    }
    return fresh;
  };
}
