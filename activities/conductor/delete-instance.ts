import { type DataSource } from 'typeorm';
import { PowerState } from '../../common/power-state';
import { VmState } from '../../common/compute/instance-states';
import { finishAction, finishEvent } from './instance-actions';
import { updateInstance } from './instance-tasks';
import { type InstanceNetworking } from './networking';
import { ledgered, type StepInput } from './operations/step-ledger';
import { releaseAllocations } from './scheduler/claims';
import { releaseMigrationClaims } from './scheduler/move-claims';

export const TERMINATE_EVENT = 'compute_terminate_instance';

/** The conductor's steps of the delete workflow besides the engine's own. */
export function createDeleteActivities({
  dataSource,
  networking,
}: {
  dataSource: DataSource;
  networking: InstanceNetworking;
}) {
  return {
    /**
     * Releases ports, allocations and group membership and marks the instance deleted; the row
     * stays, as in Nova, for admins who list deleted servers.
     */
    completeDelete: ledgered(
      dataSource,
      async (db, instance, step: StepInput & { hostUnreachable: boolean }) => {
        await releaseAllocations(db, instance.uuid);
        await releaseMigrationClaims(db, instance.uuid);
        await networking.release(db, instance.uuid);
        await db.query('DELETE FROM server_group_members WHERE instance_uuid = $1', [instance.uuid]);
        const now = new Date();
        await updateInstance(db, instance.uuid, {
          vmState: VmState.DELETED,
          taskState: null,
          taskId: null,
          powerState: PowerState.NOSTATE,
          terminatedAt: now,
          deletedAt: now,
        });
        await finishEvent(db, instance.uuid, step.requestId, TERMINATE_EVENT, {
          result: 'Success',
          details: step.hostUnreachable
            ? `host ${instance.host} was unreachable; it destroys the guest when it reports again`
            : undefined,
        });
        await finishAction(db, instance.uuid, step.requestId);
      },
    ),
  };
}
