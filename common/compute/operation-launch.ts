import { type EntityManager } from 'typeorm';
import { type Actor, recordAction } from './instance-actions';
import { type ClaimOutcome, claimInstance } from './instance-claims';
import { OPERATIONS, type OperationName } from './instance-states';
import { type Client } from '@temporalio/client';
import { queuedLaunch, queueWorkflow, startQueuedWorkflow, type WorkflowLaunch } from './workflow-outbox';

/** The workflow id of an operation: readable in the Web UI (operation, instance, request). */
export function taskIdOf(operation: OperationName, instanceUuid: string, requestId: string): string {
  return `${operation}-${instanceUuid}-${requestId}`;
}

/** The instance an operation is asked for, as its asker read it. */
export interface Target {
  uuid: string;
  projectId: string;
  displayName: string;
  flavor?: { name: string };
}

/** The outbox entry of `operation` on `target`, with the operation's own input and a memo for the Web UI. */
export function launchOf(
  operation: OperationName,
  target: Target,
  requestId: string,
  input: Record<string, unknown>,
  memo: Record<string, unknown>,
): WorkflowLaunch {
  const { workflow } = OPERATIONS[operation] as { workflow?: string };
  if (!workflow) throw new Error(`operation ${operation} has no workflow`);
  return {
    workflowId: taskIdOf(operation, target.uuid, requestId),
    workflowType: workflow,
    input: { operation, instanceUuid: target.uuid, requestId, ...input },
    searchAttributes: { instanceUuid: target.uuid, projectId: target.projectId, operation, requestId },
    memo: { name: target.displayName, ...(target.flavor && { flavor: target.flavor.name }), ...memo },
  };
}

/** The actor's claim: whether it may take a locked instance (an admin may). */
export type Claimant = Actor & { overrideLock: boolean };

/**
 * The operation protocol in the caller's transaction: claims the instance for the launch's
 * operation (Nova's task_id rule), records the instance action, runs `prepare` (what the
 * operation writes with its claim, a move's migration record; its result joins the input) and
 * queues the workflow in the outbox. A claim that did not succeed writes nothing.
 */
export async function claimAndQueue(
  db: EntityManager,
  claimant: Claimant,
  operation: OperationName,
  launch: WorkflowLaunch,
  requestId: string,
  prepare?: (db: EntityManager, taskId: string) => Promise<Record<string, unknown> | void>,
): Promise<ClaimOutcome> {
  const instanceUuid = launch.searchAttributes.instanceUuid!;
  const claim = await claimInstance(db, instanceUuid, OPERATIONS[operation], launch.workflowId, {
    overrideLock: claimant.overrideLock,
  });
  if (claim.outcome !== 'claimed') return claim;
  if (claim.previousTaskId)
    (launch.input as { preemptedTaskId?: string }).preemptedTaskId = claim.previousTaskId;
  launch.searchAttributes.computeHost = claim.host;
  await recordAction(db, claimant, instanceUuid, OPERATIONS[operation].action, requestId, launch.workflowId);
  Object.assign(launch.input, await prepare?.(db, launch.workflowId));
  await queueWorkflow(db, launch);
  return claim;
}

/**
 * Whether the request already has its instance action: its operation was claimed and queued
 * (a conductor step that launches one runs again after a crash and must not launch it twice).
 */
export async function isLaunched(
  db: EntityManager,
  instanceUuid: string,
  requestId: string,
): Promise<boolean> {
  const [row]: unknown[] = await db.query(
    'SELECT 1 FROM instance_actions WHERE instance_uuid = $1 AND request_id = $2',
    [instanceUuid, requestId],
  );
  return row !== undefined;
}

/** Starts the workflow if the outbox still holds it (its launch committed, its start not yet done). */
export async function startIfQueued(client: Client, db: EntityManager, workflowId: string): Promise<void> {
  const launch = await queuedLaunch(db, workflowId);
  if (launch) await startQueuedWorkflow(client, db, launch);
}
