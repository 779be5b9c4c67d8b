import { type DataSource } from 'typeorm';
import { claimInstance } from '../../common/compute/instance-claims';
import { OPERATIONS, VmState } from '../../common/compute/instance-states';

export interface ReclaimClaim {
  instanceUuid: string;
  /** The reclaiming delete's workflow id, which the claim makes the instance's task_id. */
  taskId: string;
  /** The reclaiming delete's own request (its instance action). */
  requestId: string;
  /** The soft delete this reclaim belongs to: after a restore and a new soft delete it is stale. */
  softDeleteRequestId: string;
}

/** The conductor's step of the reclaim workflow. */
export function createReclaimActivities(dataSource: DataSource) {
  return {
    /**
     * Claims a soft-deleted instance for the delete that reclaims it, with its instance action;
     * false when it was restored or deleted meanwhile, or restored and soft-deleted again (that
     * later soft delete has a reclaim of its own). True again when this claim already holds (the
     * step ran before a crash).
     */
    async claimForReclaim(input: ReclaimClaim): Promise<boolean> {
      return dataSource.transaction(async (db) => {
        const [row]: { task_id: string | null; vm_state: string; project_id: string; user_id: string }[] =
          await db.query(
            'SELECT task_id, vm_state, project_id, user_id FROM instances WHERE uuid = $1 FOR UPDATE',
            [input.instanceUuid],
          );
        if (!row) return false;
        if (row.task_id === input.taskId) return true;
        if (row.vm_state !== VmState.SOFT_DELETED || row.task_id !== null) return false;
        const [latest]: { request_id: string }[] = await db.query(
          `SELECT request_id FROM instance_actions WHERE instance_uuid = $1 AND action IN ('delete', 'restore')
            ORDER BY id DESC LIMIT 1`,
          [input.instanceUuid],
        );
        if (latest?.request_id !== input.softDeleteRequestId) return false;
        const claim = await claimInstance(db, input.instanceUuid, OPERATIONS.delete, input.taskId, {
          overrideLock: true,
        });
        if (claim.outcome !== 'claimed') return false;
        await db.query(
          `INSERT INTO instance_actions (instance_uuid, request_id, action, project_id, user_id, start_time, workflow_id)
           VALUES ($1, $2, 'delete', $3, $4, now(), $5)`,
          [input.instanceUuid, input.requestId, row.project_id, row.user_id, input.taskId],
        );
        return true;
      });
    },
  };
}
