import { randomUUID } from 'node:crypto';
import { type EntityManager } from 'typeorm';
import { SERVER_EVENTS_WORKFLOW, type ServerEvent, type ServerEventsInput } from './server-event-names';
import { queueWorkflow, type WorkflowLaunch } from './workflow-outbox';

/**
 * Queues the workflow that delivers `events` to the instance's host, in the caller's transaction
 * (the one that deleted or re-addressed the port): a crash before the workflow starts loses no
 * event, the reconciler starts it from the outbox. Events take no task: Nova processes them
 * whatever the instance is doing. Returns the launch to start after commit.
 */
export async function queueServerEvents(
  db: EntityManager,
  instance: { uuid: string; projectId: string; host: string | null },
  events: ServerEvent[],
  requestId: string = randomUUID(),
): Promise<WorkflowLaunch> {
  const launch: WorkflowLaunch = {
    workflowId: `server-events-${instance.uuid}-${requestId}`,
    workflowType: SERVER_EVENTS_WORKFLOW,
    input: { instanceUuid: instance.uuid, events } satisfies ServerEventsInput,
    searchAttributes: {
      instanceUuid: instance.uuid,
      projectId: instance.projectId,
      operation: 'server_external_event',
      requestId,
      computeHost: instance.host,
    },
    memo: { events: events.map((event) => `${event.name}:${event.tag ?? ''}`) },
  };
  await queueWorkflow(db, launch);
  return launch;
}
