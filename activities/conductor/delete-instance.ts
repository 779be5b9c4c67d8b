import { type DataSource } from 'typeorm';
import { PowerState } from '../../common/power-state';
import { InstanceFault } from '../../entities';
import { VmState } from '../../common/compute/instance-states';
import { finishAction, finishEvent, startEvent } from './instance-actions';
import { lockForTask, updateInstance } from './instance-tasks';
import { type InstanceNetworking } from './networking';
import { releaseAllocations } from './scheduler/claims';

export const TERMINATE_EVENT = 'compute_terminate_instance';

export interface DeleteStep {
  instanceUuid: string;
  taskId: string;
  requestId: string;
}

/** The conductor's steps of the delete workflow. */
export function createDeleteActivities({
  dataSource,
  networking,
}: {
  dataSource: DataSource;
  networking: InstanceNetworking;
}) {
  return {
    /** Starts the terminate event; returns the host whose guest must be destroyed, if any. */
    async beginDelete(step: DeleteStep): Promise<{ host: string | null }> {
      return dataSource.transaction(async (db) => {
        const instance = await lockForTask(db, step.instanceUuid, step.taskId);
        await startEvent(db, instance.uuid, step.requestId, TERMINATE_EVENT, instance.host);
        return { host: instance.host };
      });
    },

    /**
     * Releases ports, allocations and group membership and marks the instance deleted; the row
     * stays, as in Nova, for admins who list deleted servers.
     */
    async completeDelete(step: DeleteStep & { hostUnreachable: boolean }): Promise<void> {
      await dataSource.transaction(async (db) => {
        const instance = await lockForTask(db, step.instanceUuid, step.taskId);
        await releaseAllocations(db, instance.uuid);
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
      });
    },

    /** The host could not destroy the guest: ERROR with a fault; the user may delete again. */
    async failDelete(step: DeleteStep & { error: string }): Promise<void> {
      await dataSource.transaction(async (db) => {
        const instance = await lockForTask(db, step.instanceUuid, step.taskId);
        await db.getRepository(InstanceFault).insert({
          instanceUuid: instance.uuid,
          code: 500,
          message: 'Failed to terminate the instance on its host.',
          details: step.error,
          host: instance.host,
        });
        await updateInstance(db, instance.uuid, { vmState: VmState.ERROR, taskState: null, taskId: null });
        await finishEvent(db, instance.uuid, step.requestId, TERMINATE_EVENT, {
          result: 'Error',
          traceback: step.error,
        });
        await finishAction(db, instance.uuid, step.requestId);
      });
    },
  };
}
