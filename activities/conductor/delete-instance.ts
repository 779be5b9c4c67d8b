import { type DataSource } from 'typeorm';
import { quarantineAddresses } from '../../common/network/address-quarantine';
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
     * stays, as in Nova, for admins who list deleted servers. When the host did not answer, the
     * guest may still run there: its addresses stay quarantined until the host reports it gone.
     */
    completeDelete: ledgered(
      dataSource,
      async (db, instance, step: StepInput & { hostUnreachable: boolean }) => {
        await releaseAllocations(db, instance.uuid);
        await releaseMigrationClaims(db, instance.uuid);
        if (step.hostUnreachable && instance.host) {
          const ports = await networking.interfaces(db, instance);
          await quarantineAddresses(
            db,
            ports.map((port) => port.portId),
            instance.uuid,
            instance.host,
          );
        }
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
            ? `host ${instance.host} was unreachable; it destroys the guest when it reports again, and the addresses are held until then`
            : undefined,
        });
        await finishAction(db, instance.uuid, step.requestId);
      },
    ),
  };
}
