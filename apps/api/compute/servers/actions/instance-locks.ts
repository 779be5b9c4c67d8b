import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type AuthContext } from '../../../common/auth/auth-context';
import { enforce } from '../../../common/policy';
import { recordApiAction } from './api-action-record';
import { lockInstanceRow } from './instance-row';
import { type ActionRequest } from './server-action';

/** Nova's locked_by: the owning project's lock, or anyone else's (an admin's). */
const lockerOf = (caller: AuthContext, projectId: string) =>
  caller.projectId === projectId ? 'owner' : 'admin';

/**
 * Lock and unlock, which the API does alone (Nova's compute/api.py lock and unlock): each is one
 * transaction on the instance row that records the action with its api_ event.
 */
@Injectable()
export class InstanceLocks {
  /** Public for the other API-only actions of the table (security-group-actions.ts). */
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Locks the server for its owner's actions. A lock already there stays as it is when the owner
   * locks again (not even an action is recorded); an admin's lock takes it over. A reason given
   * (2.73) replaces the one stored.
   */
  lock({ caller, instance, requestId }: ActionRequest<unknown>, reason: string | undefined): Promise<void> {
    return this.dataSource.transaction(async (db) => {
      const row = await lockInstanceRow(db, instance.uuid);
      const lockedBy = lockerOf(caller, row.project_id);
      if (row.locked && lockedBy === 'owner') return;
      await recordApiAction(db, caller, instance.uuid, 'lock', requestId, 'api_lock');
      await db.query(
        `UPDATE instances SET locked = true, locked_by = $2, locked_reason = coalesce($3, locked_reason),
                updated_at = now() WHERE uuid = $1`,
        [instance.uuid, lockedBy, reason ?? null],
      );
    });
  }

  /** Unlocks the server; a lock someone else set needs Nova's unlock_override (admin) to lift. */
  unlock({ caller, instance, requestId }: ActionRequest<unknown>): Promise<void> {
    return this.dataSource.transaction(async (db) => {
      const row = await lockInstanceRow(db, instance.uuid);
      if (row.locked_by && row.locked_by !== lockerOf(caller, row.project_id)) {
        enforce(caller, 'os_compute_api:os-lock-server:unlock:unlock_override', {
          projectId: row.project_id,
        });
      }
      await recordApiAction(db, caller, instance.uuid, 'unlock', requestId, 'api_unlock');
      await db.query(
        `UPDATE instances SET locked = false, locked_by = NULL, locked_reason = NULL, updated_at = now()
          WHERE uuid = $1`,
        [instance.uuid],
      );
    });
  }
}
