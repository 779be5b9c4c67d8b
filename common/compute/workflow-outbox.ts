import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { type SearchAttributePair, WorkflowIdReusePolicy } from '@temporalio/common';
import { type EntityManager } from 'typeorm';
import { CONDUCTOR_TASK_QUEUE, SEARCH_ATTRIBUTES } from '../task-queues';

/** A workflow to start on the conductor queue, as written to the outbox. */
export interface WorkflowLaunch {
  workflowId: string;
  workflowType: string;
  input: object;
  searchAttributes: {
    /** The instance it operates on; a runbook has none. */
    instanceUuid?: string;
    projectId: string;
    operation: string;
    /** The request it serves; absent in rows queued before it was kept. */
    requestId?: string;
    /** The host the instance was on when claimed; a boot sets its own once scheduled. */
    computeHost?: string | null;
  };
  /** Shown in the Web UI beside the workflow: server name, flavor, who asked. */
  memo: Record<string, unknown>;
}

/**
 * Writes the launch into the outbox in the caller's transaction, the one that claims the
 * instance: a claim is never committed without the means to start its workflow.
 */
export function queueWorkflow(db: EntityManager, launch: WorkflowLaunch): Promise<void> {
  return queueWorkflows(db, [launch]);
}

/** Writes many launches into the outbox in one INSERT, in the caller's transaction (a create of many). */
export async function queueWorkflows(db: EntityManager, launches: WorkflowLaunch[]): Promise<void> {
  if (launches.length === 0) return;
  await db.query(
    `INSERT INTO workflow_outbox (workflow_id, workflow_type, input, search_attributes, memo)
     SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::jsonb[], $4::jsonb[], $5::jsonb[])
     ON CONFLICT (workflow_id) DO NOTHING`,
    [
      launches.map((launch) => launch.workflowId),
      launches.map((launch) => launch.workflowType),
      launches.map((launch) => JSON.stringify(launch.input)),
      launches.map((launch) => JSON.stringify(launch.searchAttributes)),
      launches.map((launch) => JSON.stringify(launch.memo)),
    ],
  );
}

/** The search attributes a launch starts with: what an operator filters by in the Web UI. */
function typedSearchAttributes({ searchAttributes: sa }: WorkflowLaunch): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: SEARCH_ATTRIBUTES.ProjectId, value: sa.projectId },
    { key: SEARCH_ATTRIBUTES.Operation, value: sa.operation },
  ];
  if (sa.instanceUuid) pairs.push({ key: SEARCH_ATTRIBUTES.InstanceUuid, value: sa.instanceUuid });
  if (sa.requestId) pairs.push({ key: SEARCH_ATTRIBUTES.RequestId, value: sa.requestId });
  if (sa.computeHost) pairs.push({ key: SEARCH_ATTRIBUTES.ComputeHost, value: sa.computeHost });
  return pairs;
}

/**
 * Starts a queued workflow, records its run id on the instance actions it runs, and clears its
 * outbox row. Starting is idempotent: the id is the task id, and a workflow that runs or ran with
 * it already (the API and the reconciler both tried) counts as started; its run id is read back.
 */
export async function startQueuedWorkflow(
  client: Client,
  db: EntityManager,
  launch: WorkflowLaunch,
): Promise<void> {
  let runId: string;
  try {
    const handle = await client.workflow.start(launch.workflowType, {
      taskQueue: CONDUCTOR_TASK_QUEUE,
      workflowId: launch.workflowId,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      args: [launch.input],
      typedSearchAttributes: typedSearchAttributes(launch),
      memo: launch.memo,
    });
    runId = handle.firstExecutionRunId;
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    runId = (await client.workflow.getHandle(launch.workflowId).describe()).runId;
  }
  await db.query(
    'UPDATE instance_actions SET workflow_run_id = $2 WHERE workflow_id = $1 AND workflow_run_id IS NULL',
    [launch.workflowId, runId],
  );
  await db.query('DELETE FROM workflow_outbox WHERE workflow_id = $1', [launch.workflowId]);
}

interface OutboxRow {
  workflow_id: string;
  workflow_type: string;
  input: object;
  search_attributes: WorkflowLaunch['searchAttributes'];
  memo: Record<string, unknown>;
}

/** The launch still queued under this workflow id, if its start has not cleared it yet. */
export async function queuedLaunch(
  db: EntityManager,
  workflowId: string,
): Promise<WorkflowLaunch | undefined> {
  const [row]: OutboxRow[] = await db.query(
    'SELECT workflow_id, workflow_type, input, search_attributes, memo FROM workflow_outbox WHERE workflow_id = $1',
    [workflowId],
  );
  return row && launchOfRow(row);
}

const launchOfRow = (row: OutboxRow): WorkflowLaunch => ({
  workflowId: row.workflow_id,
  workflowType: row.workflow_type,
  input: row.input,
  searchAttributes: row.search_attributes,
  memo: row.memo,
});

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
  return rows.map(launchOfRow);
}
