import { type DataSource } from 'typeorm';
import { type GuestSpec } from '../../../common/compute/guest-spec';
import { type TaskState, VmState } from '../../../common/compute/instance-states';
import { MigrationStatus } from '../../../common/compute/migrations';
import { type Config } from '../../../common/config';
import { PowerState } from '../../../common/power-state';
import { guestSpecOf } from '../guest-specs';
import { finishAction, finishEvent, startEvent } from '../instance-actions';
import { placeInstance, updateInstance } from '../instance-tasks';
import { type InstanceNetworking } from '../networking';
import { ledgered } from '../operations/step-ledger';
import { type Destination } from '../scheduler/destinations';
import { type MoveStep, updateMigration } from './move-steps';

export const REBUILD_EVENT = 'compute_rebuild_instance';

/**
 * The conductor's steps of an evacuation beyond the shared move steps: the instance placed on its
 * new host (rebuilt there from its image), then done. The source's claim stays with the migration
 * until the source, back again, has destroyed its copy (host reports complete the migration).
 */
export function createEvacuateSteps({
  dataSource,
  config,
  networking,
}: {
  dataSource: DataSource;
  config: Config;
  networking: InstanceNetworking;
}) {
  return {
    /** The instance is on the destination now, its ports bound there; returns the guest to build. */
    placeEvacuee: ledgered(
      dataSource,
      async (
        db,
        instance,
        step: MoveStep & { destination: Destination; taskState: TaskState },
      ): Promise<GuestSpec> => {
        await placeInstance(db, instance, step.destination, step.taskState);
        await updateMigration(db, step.migrationUuid, { status: MigrationStatus.PRE_MIGRATING });
        await networking.bind(db, instance.uuid, step.destination.host);
        await startEvent(db, instance.uuid, step.requestId, REBUILD_EVENT, step.destination.host);
        return guestSpecOf(db, config, instance, await networking.interfaces(db, instance));
      },
    ),

    /** Rebuilt on the destination: ACTIVE, or SHUTOFF for a server that was; the migration `done`. */
    finishEvacuation: ledgered(
      dataSource,
      async (db, instance, step: MoveStep & { powerState: number; rootDeviceName: string }) => {
        await updateInstance(db, instance.uuid, {
          vmState: step.powerState === PowerState.SHUTDOWN ? VmState.STOPPED : VmState.ACTIVE,
          taskState: null,
          taskId: null,
          powerState: step.powerState,
          rootDeviceName: step.rootDeviceName,
          launchedAt: new Date(),
        });
        await updateMigration(db, step.migrationUuid, { status: MigrationStatus.DONE });
        await finishEvent(db, instance.uuid, step.requestId, REBUILD_EVENT, { result: 'Success' });
        await finishAction(db, instance.uuid, step.requestId);
      },
    ),
  };
}
