import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { recordApiAction } from './api-action-record';
import { type ResetStateValue } from './action-schemas';
import { lockInstanceRow } from './instance-row';
import { type ActionRequest } from './server-action';

/**
 * os-resetState (Nova's admin_actions): an admin sets the vm_state and clears the task. Clearing
 * task_id is what stops a workflow still running: its next step finds that it no longer owns the
 * instance and it compensates, leaving the state the admin set.
 */
@Injectable()
export class StateResetter {
  constructor(private readonly dataSource: DataSource) {}

  reset({ caller, instance, requestId, value }: ActionRequest<ResetStateValue>): Promise<void> {
    return this.dataSource.transaction(async (db) => {
      await lockInstanceRow(db, instance.uuid);
      await recordApiAction(db, caller, instance.uuid, 'resetState', requestId);
      await db.query(
        `UPDATE instances SET vm_state = $2, task_state = NULL, task_id = NULL, updated_at = now()
          WHERE uuid = $1`,
        [instance.uuid, value.state],
      );
    });
  }
}
