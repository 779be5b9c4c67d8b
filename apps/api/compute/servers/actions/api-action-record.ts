import { type EntityManager } from 'typeorm';
import { recordAction, recordFinishedEvent } from '../../../../../common/compute/instance-actions';
import { type AuthContext } from '../../../common/auth/auth-context';

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
  if (event) await recordFinishedEvent(db, instanceUuid, requestId, event);
  await db.query(
    'UPDATE instance_actions SET finish_time = now(), updated_at = now() WHERE instance_uuid = $1 AND request_id = $2',
    [instanceUuid, requestId],
  );
}
