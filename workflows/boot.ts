import { patched, upsertSearchAttributes } from '@temporalio/workflow';
import type { GuestInterface } from '../common/compute/guest-spec';
import { NO_VALID_HOST, networkAllocationFailed, retriesExceeded } from '../common/compute/failures';
import { TaskState } from '../common/compute/instance-states';
import { SEARCH_ATTRIBUTES } from '../common/task-queues';
import { conductor } from './conductor-activities';
import { destroyQuietly } from './engine/guest-on-host';
import type { OperationInput } from './engine/operation-run';
import { operationFailed, type OperationOutcome, runOperation } from './engine/run-operation';
import { tryHosts } from './engine/try-hosts';
import { describeFailure, isNetworkRefusal } from './failures';
import { hostActivities } from './host-activities';

export type BootInput = OperationInput & { operation: 'create' };

/**
 * Since this patch the host prepares the block devices and spawns in one activity (`build`), the
 * task state moving to spawning before it; boots begun before it keep their two host steps.
 */
const BUILD_IN_ONE_HOST_STEP = 'boot-build-in-one-host-step';

/**
 * Since this patch the ports, the placement and task state spawning are one conductor step on the
 * chosen host (`prepareBuild`): a boot's conductor steps are three (schedule, prepare, finish).
 * Boots begun before it allocate the ports in a step of their own and set spawning in another.
 */
const PREPARE_BUILD_IN_ONE_STEP = 'boot-prepare-build-in-one-step';

/**
 * Boot (Nova's schedule_and_build_instances + build_and_run_instance): schedule and claim; then
 * for the chosen host, in one conductor step, the ports, the placement and task state spawning;
 * then on the host, in one step, prepare block devices and spawn. A host that fails gives
 * back its claim and the next alternate is tried, up to [scheduler] max_attempts; then ERROR with a
 * fault.
 * A delete preempts the boot by cancelling it: the undos destroy any half-built guest and release
 * claims and ports, leaving the instance to the delete.
 */
export async function bootWorkflow(input: BootInput): Promise<OperationOutcome> {
  const { instanceUuid } = input;
  return runOperation(input, async (run) => {
    run.onUndo('release claims and ports', () =>
      conductor.releaseBuildResources(run.step('releaseBuildResources')),
    );
    const { destinations, reason } = await conductor.scheduleInstance(run.step('scheduleInstance'));
    if (destinations.length === 0)
      throw operationFailed({ code: 500, message: NO_VALID_HOST, details: reason });

    /** Neutron's refusal of the instance's ports is the boot's end: no other host would do better. */
    const refusedPorts = (error: unknown) =>
      isNetworkRefusal(error)
        ? operationFailed({
            code: 500,
            message: networkAllocationFailed(instanceUuid),
            details: describeFailure(error),
          })
        : error;

    const inOneStep = patched(PREPARE_BUILD_IN_ONE_STEP);
    let interfaces: GuestInterface[] = [];
    if (!inOneStep) {
      try {
        interfaces = await conductor.allocateNetwork(run.step('allocateNetwork'));
      } catch (error) {
        throw refusedPorts(error);
      }
    }

    const built = await tryHosts(run, destinations, {
      claim: (destination) => conductor.claimAlternate({ ...run.step('claimAlternate'), destination }),
      attempt: async (destination) => {
        upsertSearchAttributes([{ key: SEARCH_ATTRIBUTES.ComputeHost, value: destination.host }]);
        const host = hostActivities(destination.host);
        if (inOneStep) {
          const spec = await conductor
            .prepareBuild({ ...run.step('prepareBuild'), destination })
            .catch((error) => Promise.reject(refusedPorts(error)));
          return host.build(spec);
        }
        const spec = await conductor.prepareOnHost({ ...run.step('prepareOnHost'), destination, interfaces });
        if (patched(BUILD_IN_ONE_HOST_STEP)) {
          await conductor.setTaskState({ ...run.step('setTaskState'), taskState: TaskState.SPAWNING });
          return host.build(spec);
        }
        await host.prepareBlockDevices(spec);
        await conductor.setTaskState({ ...run.step('setTaskState'), taskState: TaskState.SPAWNING });
        return host.spawn(spec);
      },
      cleanUp: (destination) => destroyQuietly(destination.host, instanceUuid),
      abandon: (destination, error) =>
        conductor.abandonHost({ ...run.step('abandonHost'), destination, error }),
    });
    if (!('value' in built)) {
      throw operationFailed({
        code: 500,
        message: retriesExceeded(instanceUuid),
        details: built.failures.join('\n'),
      });
    }
    await conductor.finishBuild({ ...run.step('finishBuild'), ...built.value });
  });
}
