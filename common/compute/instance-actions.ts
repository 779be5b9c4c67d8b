import { type EntityManager } from 'typeorm';
import { InstanceAction } from '../../entities';

/** Who asked for an action: the API's caller, or the operator whose runbook or sync it is. */
export interface Actor {
  userId: string;
  projectId?: string | null;
}

/** Records an instance action (os-instance-actions) for a request, with the workflow that runs it. */
export async function recordAction(
  db: EntityManager,
  actor: Actor,
  instanceUuid: string,
  action: string,
  requestId: string,
  workflowId: string | null,
): Promise<void> {
  await db.getRepository(InstanceAction).insert({
    instanceUuid,
    requestId,
    action,
    projectId: actor.projectId ?? '',
    userId: actor.userId,
    startTime: new Date(),
    workflowId,
  });
}

/**
 * Records an event of the action that is over as soon as it is written (the API's own "api_lock",
 * a runbook's step naming the runbook), with Nova's `details`.
 */
export async function recordFinishedEvent(
  db: EntityManager,
  instanceUuid: string,
  requestId: string,
  event: string,
  options: { host?: string | null; details?: string } = {},
): Promise<void> {
  await db.query(
    `INSERT INTO instance_action_events (action_id, event, start_time, finish_time, result, host, details)
     SELECT id, $3::text, now(), now(), 'Success', $4, $5 FROM instance_actions
      WHERE instance_uuid = $1 AND request_id = $2`,
    [instanceUuid, requestId, event, options.host ?? null, options.details ?? null],
  );
}
