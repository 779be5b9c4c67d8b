import { type DataSource } from 'typeorm';
import { type GuestSpec } from '../../../common/compute/guest-spec';
import { type TaskState } from '../../../common/compute/instance-states';
import { MigrationStatus } from '../../../common/compute/migrations';
import { type Config } from '../../../common/config';
import { guestSpecOf } from '../guest-specs';
import { startEvent } from '../instance-actions';
import { finishSpawned, placeInstance } from '../instance-tasks';
import { type InstanceNetworking } from '../networking';
import { ledgered } from '../operations/step-ledger';
import { type Destination } from '../scheduler/destinations';
import { type MoveStep, settledVmState, updateMigration } from './move-steps';

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
        await updateMigration(db, step.migrationUuid, { status: MigrationStatus.DONE });
        await finishSpawned(db, instance.uuid, {
          ...step,
          vmState: settledVmState(step.powerState),
          event: REBUILD_EVENT,
        });
      },
    ),
  };
}
