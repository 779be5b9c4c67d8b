import type { PlacementQuery } from '../activities/conductor/scheduler/destinations';
import { NO_VALID_HOST } from '../common/compute/failures';
import { TaskState, VmState } from '../common/compute/instance-states';
import { MigrationStatus } from '../common/compute/migrations';
import { conductor } from './conductor-activities';
import { destroyQuietly } from './engine/guest-on-host';
import { type OperationInput, OperationRun } from './engine/operation-run';
import { operationFailed, type OperationOutcome, runOperation } from './engine/run-operation';
import { tryHosts } from './engine/try-hosts';
import { hostActivities } from './host-activities';

export type EvacuateInput = OperationInput & {
  operation: 'evacuate';
  migrationUuid: string;
  query: PlacementQuery;
};

/** Nova's refusal of a destination whose driver cannot evacuate (InstanceEvacuateNotSupported). */
const EVACUATE_NOT_SUPPORTED = 'Instance evacuate is not supported.';

/**
 * Evacuate (Nova's rebuild_instance with recreate): the server of a host that is down is rebuilt
 * from its image on another host, scheduled like a boot (alternates tried) while the migration
 * holds the source's claim; a server that was SHUTOFF is powered off again. The dead source
 * destroys its copy when it reports again, which completes the migration and frees its claim.
 * A failure leaves ERROR, the destination's copy and claim gone.
 */
export async function evacuateWorkflow(input: EvacuateInput): Promise<OperationOutcome> {
  const { instanceUuid, migrationUuid } = input;
  const run = new OperationRun(input);
  const moveStep = (name: string) => ({ ...run.step(name), migrationUuid });
  let scheduled = false;
  return runOperation(
    input,
    async () => {
      const start = await conductor.beginMove(moveStep('beginMove'));
      run.onUndo('put the instance back on its source', () =>
        conductor.revertMove({
          ...moveStep('revertMove'),
          status: scheduled ? MigrationStatus.FAILED : MigrationStatus.ERROR,
        }),
      );
      const schedule = await conductor.scheduleMove({ ...moveStep('scheduleMove'), query: input.query });
      if (schedule.destinations.length === 0)
        throw operationFailed({ code: 500, message: NO_VALID_HOST, details: schedule.reason });
      scheduled = true;

      const rebuilt = await tryHosts(run, schedule.destinations, {
        claim: (destination) =>
          conductor.claimMoveAlternate({
            ...moveStep('claimMoveAlternate'),
            destination,
            query: input.query,
          }),
        attempt: async (destination) => {
          const can = await conductor.hostCapabilities({
            ...moveStep('hostCapabilities'),
            host: destination.host,
          });
          if (!can.supportsEvacuate) throw operationFailed({ code: 400, message: EVACUATE_NOT_SUPPORTED });
          const host = hostActivities(destination.host);
          const spec = await conductor.placeEvacuee({
            ...moveStep('placeEvacuee'),
            destination,
            taskState: TaskState.REBUILD_BLOCK_DEVICE_MAPPING,
          });
          await host.prepareBlockDevices(spec);
          await conductor.setTaskState({
            ...run.step('setTaskState'),
            taskState: TaskState.REBUILD_SPAWNING,
          });
          const guest = await host.spawn(spec);
          if (start.vmState !== VmState.STOPPED) return guest;
          const { powerState } = await host.powerOff({ instanceUuid });
          return { ...guest, powerState };
        },
        cleanUp: (destination) => destroyQuietly(destination.host, instanceUuid),
        abandon: (destination) => conductor.abandonMoveHost({ ...moveStep('abandonMoveHost'), destination }),
      });
      if (!('value' in rebuilt))
        throw operationFailed({ code: 500, message: NO_VALID_HOST, details: rebuilt.failures.join('\n') });
      await conductor.finishEvacuation({ ...moveStep('finishEvacuation'), ...rebuilt.value });
    },
    { run },
  );
}
