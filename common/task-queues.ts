/**
 * Names shared by the API, the conductor, compute workers and workflows. Pure data: workflows
 * import this file, so it must stay free of Node APIs.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** The conductor runs every workflow and the activities that touch the database. */
export const CONDUCTOR_TASK_QUEUE = 'conductor';

/** Each compute host polls its own queue, so a host activity can only run on that host. */
export function computeTaskQueue(host: string): string {
  return `compute.${host}`;
}

/** The long-lived workflow that answers one compute host's start-up reports. */
export function hostWorkflowId(host: string): string {
  return `host-${host}`;
}

/** The long-lived workflow that records the periodic reports of a compute process's hosts. */
export function hostReportsWorkflowId(reporter: string): string {
  return `host-reports-${reporter}`;
}

/** Custom search attributes every workflow carries, so operators find any operation in the Web UI. */
export const SEARCH_ATTRIBUTES = {
  InstanceUuid: defineSearchAttributeKey('InstanceUuid', SearchAttributeType.KEYWORD),
  ProjectId: defineSearchAttributeKey('ProjectId', SearchAttributeType.KEYWORD),
  ComputeHost: defineSearchAttributeKey('ComputeHost', SearchAttributeType.KEYWORD),
  Operation: defineSearchAttributeKey('Operation', SearchAttributeType.KEYWORD),
  RequestId: defineSearchAttributeKey('RequestId', SearchAttributeType.KEYWORD),
} as const;
