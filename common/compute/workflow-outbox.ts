import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { type EntityManager } from 'typeorm';
import { CONDUCTOR_TASK_QUEUE, SEARCH_ATTRIBUTES } from '../task-queues';

/** A workflow to start on the conductor queue, as written to the outbox. */
export interface WorkflowLaunch {
  workflowId: string;
  workflowType: string;
  input: object;
  searchAttributes: { instanceUuid: string; projectId: string; operation: string };
  /** Shown in the Web UI beside the workflow: server name, flavor, who asked. */
  memo: Record<string, unknown>;
}

/**
 * Writes the launch into the outbox in the caller's transaction, the one that claims the
 * instance: a claim is never committed without the means to start its workflow.
 */
export async function queueWorkflow(db: EntityManager, launch: WorkflowLaunch): Promise<void> {
  await db.query(
    `INSERT INTO workflow_outbox (workflow_id, workflow_type, input, search_attributes, memo)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (workflow_id) DO NOTHING`,
    [
      launch.workflowId,
      launch.workflowType,
      JSON.stringify(launch.input),
      JSON.stringify(launch.searchAttributes),
      JSON.stringify(launch.memo),
    ],
  );
}

/**
 * Starts a queued workflow and clears its outbox row. Starting is idempotent: the id is the
 * task id, and a workflow that runs or ran with it already (the API and the reconciler both
 * tried) counts as started.
 */
export async function startQueuedWorkflow(
  client: Client,
  db: EntityManager,
  launch: WorkflowLaunch,
): Promise<void> {
  const { instanceUuid, projectId, operation } = launch.searchAttributes;
  try {
    await client.workflow.start(launch.workflowType, {
      taskQueue: CONDUCTOR_TASK_QUEUE,
      workflowId: launch.workflowId,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      args: [launch.input],
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTES.InstanceUuid, value: instanceUuid },
        { key: SEARCH_ATTRIBUTES.ProjectId, value: projectId },
        { key: SEARCH_ATTRIBUTES.Operation, value: operation },
      ],
      memo: launch.memo,
    });
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
  await db.query('DELETE FROM workflow_outbox WHERE workflow_id = $1', [launch.workflowId]);
}

interface OutboxRow {
  workflow_id: string;
  workflow_type: string;
  input: object;
  search_attributes: WorkflowLaunch['searchAttributes'];
  memo: Record<string, unknown>;
}

/** Launches queued longer than `olderThanSeconds`: their API process died before starting them. */
export async function pendingLaunches(
  db: EntityManager,
  olderThanSeconds: number,
  limit: number,
): Promise<WorkflowLaunch[]> {
  const rows: OutboxRow[] = await db.query(
    `SELECT workflow_id, workflow_type, input, search_attributes, memo FROM workflow_outbox
      WHERE created_at < now() - make_interval(secs => $1) ORDER BY created_at LIMIT $2`,
    [olderThanSeconds, limit],
  );
  return rows.map((row) => ({
    workflowId: row.workflow_id,
    workflowType: row.workflow_type,
    input: row.input,
    searchAttributes: row.search_attributes,
    memo: row.memo,
  }));
}
