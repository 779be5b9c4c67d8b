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
 * Records one action of one request on many instances in one INSERT (a create of many servers),
 * each with its own workflow.
 */
export async function recordActions(
  db: EntityManager,
  actor: Actor,
  action: string,
  requestId: string,
  runs: { instanceUuid: string; workflowId: string }[],
): Promise<void> {
  if (runs.length === 0) return;
  await db.query(
    `INSERT INTO instance_actions (instance_uuid, request_id, action, project_id, user_id, start_time, workflow_id)
     SELECT run.instance_uuid, $3, $4, $5, $6, now(), run.workflow_id
       FROM unnest($1::uuid[], $2::varchar[]) AS run(instance_uuid, workflow_id)`,
    [
      runs.map((run) => run.instanceUuid),
      runs.map((run) => run.workflowId),
      requestId,
      action,
      actor.projectId ?? '',
      actor.userId,
    ],
  );
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
