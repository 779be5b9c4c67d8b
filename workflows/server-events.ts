import { sleep } from '@temporalio/workflow';
import { HOST_NETWORK_EVENTS, type ServerEventsInput } from '../common/compute/server-event-names';
import { conductor } from './conductor-activities';
import { hostActivities } from './host-activities';

/** How many times the host is tried, a while apart: a guest still being built is not there yet. */
const DELIVERY_ROUNDS = 10;
const BETWEEN_ROUNDS_SECONDS = 30;
const HOST_OPTIONS = { scheduleToStartTimeout: '1 minute' } as const;

/**
 * Delivers external events to the instance's host, as Nova's compute manager receives them:
 * network-changed and network-vif-deleted bring the guest's interfaces in line with its ports
 * (the deleted port's interface unplugged, the others' addresses refreshed). It takes no task, as
 * Nova processes events whatever the instance is doing. Each round reads the host and the ports
 * again, so an instance that moved or a guest spawned since is found where it is now; an
 * instance deleted or on no host ends it. A move under way is told on both sides, as Nova does.
 */
export async function serverEventsWorkflow({
  instanceUuid,
  events,
  retrySeconds = BETWEEN_ROUNDS_SECONDS,
}: ServerEventsInput): Promise<void> {
  if (!events.some((event) => HOST_NETWORK_EVENTS.has(event.name))) return;
  for (let round = 1; ; round++) {
    const target = await conductor.eventTarget({ instanceUuid });
    if (!target) return;
    const sync = { instanceUuid, interfaces: target.interfaces, asOf: target.asOf };
    let delivered: boolean;
    try {
      // The instance's own host must have the guest (a build may not have spawned it yet); a
      // move's other side may have none.
      const { present } = await hostActivities(target.host, HOST_OPTIONS).syncInterfaces(sync);
      for (const host of target.moveHosts) await hostActivities(host, HOST_OPTIONS).syncInterfaces(sync);
      delivered = present;
    } catch (error) {
      if (round >= DELIVERY_ROUNDS) throw error;
      delivered = false;
    }
    if (delivered || round >= DELIVERY_ROUNDS) return;
    await sleep(retrySeconds * 1000);
  }
}
