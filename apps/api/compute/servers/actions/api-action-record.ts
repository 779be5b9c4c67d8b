import { type EntityManager } from 'typeorm';
import { type AuthContext } from '../../../common/auth/auth-context';
import { recordAction } from '../instance-action-records';

/**
 * Records an action the API did by itself, already finished: no workflow, and, when given, its
 * event as Nova's wrap_instance_event(prefix='api') records it ("api_lock"), finished Success.
 */
export async function recordApiAction(
  db: EntityManager,
  caller: AuthContext,
  instanceUuid: string,
  action: string,
  requestId: string,
  event?: string,
): Promise<void> {
  await recordAction(db, caller, instanceUuid, action, requestId, null);
  if (event) {
    await db.query(
      `INSERT INTO instance_action_events (action_id, event, start_time, finish_time, result)
       SELECT id, $3::text, now(), now(), 'Success' FROM instance_actions
        WHERE instance_uuid = $1 AND request_id = $2`,
      [instanceUuid, requestId, event],
    );
  }
  await db.query(
    'UPDATE instance_actions SET finish_time = now(), updated_at = now() WHERE instance_uuid = $1 AND request_id = $2',
    [instanceUuid, requestId],
  );
}
