import type { SpecImage } from '../activities/conductor/rebuild-instance';
import { NO_VALID_HOST } from '../common/compute/failures';
import { TaskState, VmState } from '../common/compute/instance-states';
import { conductor } from './conductor-activities';
import { destroyQuietly } from './engine/guest-on-host';
import type { OperationInput } from './engine/operation-run';
import { operationFailed, type OperationOutcome, runOperation } from './engine/run-operation';
import { hostActivities } from './host-activities';

export type RebuildInput = OperationInput & {
  operation: 'rebuild';
  /** The image a new one replaces (the API wrote the new one with its claim); none when it stays. */
  origImage?: SpecImage;
  /** Nova's preserve_ephemeral, which only Ironic's driver honours. */
  preserveEphemeral?: boolean;
};

/** Nova's PreserveEphemeralNotSupported: the default rebuild of every driver but Ironic's refuses it. */
export const PRESERVE_EPHEMERAL_NOT_SUPPORTED =
  'The current driver does not support preserving ephemeral partitions.';

/**
 * Rebuild (Nova's conductor rebuild_instance, then the compute's _do_rebuild_instance): a new
 * image is checked against the scheduler's filters on the instance's own host (NoValidHost: ERROR
 * with the image rolled back, the guest untouched); then on that host the old guest goes, the
 * block devices are prepared for the new image (rebuild_block_device_mapping) and the guest spawns
 * (rebuild_spawning). A server that was stopped is powered off again. A host failure leaves
 * ERROR with a fault; a delete preempts it by cancellation, and the undo destroys the half-built
 * guest. Ports and claims stay as they are.
 */
export function rebuildWorkflow(input: RebuildInput): Promise<OperationOutcome> {
  const { instanceUuid } = input;
  return runOperation(input, async (run) => {
    const { passes } = await conductor.checkRebuildImage({
      ...run.step('checkRebuildImage'),
      origImage: input.origImage,
    });
    if (!passes) throw operationFailed({ code: 500, message: NO_VALID_HOST });

    const begun = await conductor.beginOperation(run.step('beginOperation'));
    const hostName = begun.host;
    if (!hostName) throw operationFailed({ code: 500, message: `Instance ${instanceUuid} is not ready` });
    if (input.preserveEphemeral)
      throw operationFailed({ code: 400, message: PRESERVE_EPHEMERAL_NOT_SUPPORTED });

    const host = hostActivities(hostName);
    run.onUndo('destroy the half-built guest', () => destroyQuietly(hostName, instanceUuid));
    await host.destroy(instanceUuid);
    const spec = await conductor.rebuildGuestSpec(run.step('rebuildGuestSpec'));
    await host.prepareBlockDevices(spec);
    await conductor.setTaskState({ ...run.step('setTaskState'), taskState: TaskState.REBUILD_SPAWNING });
    const spawned = await host.spawn(spec);

    const wasStopped = begun.vmState === VmState.STOPPED;
    const { powerState } = wasStopped ? await host.powerOff({ instanceUuid }) : spawned;
    await conductor.finishRebuild({
      ...run.step('finishRebuild'),
      vmState: wasStopped ? VmState.STOPPED : VmState.ACTIVE,
      powerState,
      rootDeviceName: spawned.rootDeviceName,
    });
  });
}
