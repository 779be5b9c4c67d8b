import {
  CancellationScope,
  isCancellation,
  log,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Destination } from '../activities/conductor/build-instance';
import { NO_VALID_HOST, networkAllocationFailed, retriesExceeded } from '../common/compute/failures';
import { SEARCH_ATTRIBUTES } from '../common/task-queues';
import { conductor } from './conductor-activities';
import { describeFailure, isHostFailure, isNetworkRefusal, isPreempted, worthAnotherHost } from './failures';
import { hostActivities } from './host-activities';

export interface BootInput {
  instanceUuid: string;
  requestId: string;
}

export type BootOutcome = 'active' | 'error' | 'preempted';

/**
 * Boot (Nova's schedule_and_build_instances + build_and_run_instance): schedule and claim, ports,
 * then on the chosen host prepare block devices and spawn. A host that fails gives back its claim
 * and the next alternate is tried, up to [scheduler] max_attempts; then ERROR with a fault.
 * A delete preempts the boot by cancelling it: the compensation destroys any half-built guest
 * and releases claims and ports, leaving the instance to the delete.
 */
export async function bootWorkflow({ instanceUuid, requestId }: BootInput): Promise<BootOutcome> {
  const step = { instanceUuid, requestId, taskId: workflowInfo().workflowId };
  /** A host where a guest of ours may exist, to destroy if we are preempted. */
  let placedOn: Destination | undefined;
  try {
    const { destinations, reason } = await conductor.scheduleInstance(step);
    if (destinations.length === 0) {
      await conductor.failBuild({ ...step, fault: { code: 500, message: NO_VALID_HOST, details: reason } });
      return 'error';
    }
    let interfaces;
    try {
      interfaces = await conductor.allocateNetwork(step);
    } catch (error) {
      if (!isNetworkRefusal(error)) throw error;
      await conductor.failBuild({
        ...step,
        fault: { code: 500, message: networkAllocationFailed(instanceUuid), details: describeFailure(error) },
      });
      return 'error';
    }
    const failures: string[] = [];
    for (const [attempt, destination] of destinations.entries()) {
      if (attempt > 0 && !(await conductor.claimAlternate({ ...step, destination }))) continue;
      placedOn = destination;
      upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.ComputeHost, value: destination.host }]);
      const host = hostActivities(destination.host);
      try {
        const spec = await conductor.prepareOnHost({ ...step, destination, interfaces });
        await host.prepareBlockDevices(spec);
        await conductor.setSpawning(step);
        const guest = await host.spawn(spec);
        await conductor.finishBuild({ ...step, ...guest });
        return 'active';
      } catch (error) {
        if (!isHostFailure(error)) throw error;
        const why = `${destination.host}: ${describeFailure(error)}`;
        log.warn('build failed on host', { instanceUuid, why });
        failures.push(why);
        await destroyQuietly(destination.host, instanceUuid);
        await conductor.abandonHost({ ...step, destination, error: why });
        placedOn = undefined;
        if (!worthAnotherHost(error)) break;
      }
    }
    await conductor.failBuild({
      ...step,
      fault: { code: 500, message: retriesExceeded(instanceUuid), details: failures.join('\n') },
    });
    return 'error';
  } catch (error) {
    if (!isCancellation(error) && !isPreempted(error)) throw error;
    await CancellationScope.nonCancellable(async () => {
      if (placedOn) await destroyQuietly(placedOn.host, instanceUuid);
      await conductor.releaseBuildResources(instanceUuid);
    });
    if (isCancellation(error)) throw error;
    return 'preempted';
  }
}

/** Cleans a failed or abandoned build off a host; a host that is gone destroys it when it reports again. */
async function destroyQuietly(host: string, instanceUuid: string): Promise<void> {
  try {
    await hostActivities(host).destroy(instanceUuid);
  } catch (error) {
    log.warn('could not destroy the guest on its host', { host, instanceUuid, error: String(error) });
  }
}
