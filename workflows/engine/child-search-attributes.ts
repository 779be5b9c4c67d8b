import { workflowInfo } from '@temporalio/workflow';
import { SEARCH_ATTRIBUTES } from '../../common/task-queues';

/**
 * A child workflow's search attributes: its parent's (instance, project, host), under its own
 * operation, so an operator filtering by InstanceUuid finds the child beside its parent.
 */
export function childSearchAttributes(operation: string) {
  return workflowInfo().typedSearchAttributes.updateCopy([
    { key: SEARCH_ATTRIBUTES.Operation, value: operation },
  ]);
}
