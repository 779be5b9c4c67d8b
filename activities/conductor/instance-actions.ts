import { type EntityManager } from 'typeorm';

/** Nova's instance-action events: what each phase of an operation did, and where. */
export async function startEvent(
  db: EntityManager,
  instanceUuid: string,
  requestId: string,
  event: string,
  host: string | null = null,
): Promise<void> {
  await db.query(
    `INSERT INTO instance_action_events (action_id, event, start_time, host)
     SELECT a.id, $3::text, now(), $4::text FROM instance_actions a
      WHERE a.instance_uuid = $1 AND a.request_id = $2
        AND NOT EXISTS (SELECT 1 FROM instance_action_events e
                         WHERE e.action_id = a.id AND e.event = $3::text AND e.finish_time IS NULL
                           AND e.host IS NOT DISTINCT FROM $4::text)`,
    [instanceUuid, requestId, event, host],
  );
}

/** Finishes the open event; an error also marks the action's message 'Error', as Nova does. */
export async function finishEvent(
  db: EntityManager,
  instanceUuid: string,
  requestId: string,
  event: string,
  outcome: { result: 'Success' | 'Error'; traceback?: string; details?: string },
): Promise<void> {
  await db.query(
    `UPDATE instance_action_events e SET finish_time = now(), result = $4, traceback = $5, details = $6
       FROM instance_actions a
      WHERE e.action_id = a.id AND a.instance_uuid = $1 AND a.request_id = $2 AND e.event = $3
        AND e.finish_time IS NULL`,
    [instanceUuid, requestId, event, outcome.result, outcome.traceback ?? null, outcome.details ?? null],
  );
  await db.query(
    `UPDATE instance_actions SET updated_at = now(), message = CASE WHEN $3::text = 'Error' THEN 'Error' ELSE message END
      WHERE instance_uuid = $1 AND request_id = $2`,
    [instanceUuid, requestId, outcome.result],
  );
}

/** Records that the action's operation is over. */
export async function finishAction(
  db: EntityManager,
  instanceUuid: string,
  requestId: string,
): Promise<void> {
  await db.query(
    'UPDATE instance_actions SET finish_time = now(), updated_at = now() WHERE instance_uuid = $1 AND request_id = $2',
    [instanceUuid, requestId],
  );
}
