import { Inject, Injectable } from '@nestjs/common';
import { type Client } from '@temporalio/client';
import { type OperationName } from '../../../../common/compute/instance-states';
import { CONDUCTOR_TASK_QUEUE, SEARCH_ATTRIBUTES } from '../../../../common/task-queues';
import type { BootInput, bootWorkflow } from '../../../../workflows/boot';
import type { DeleteInput, deleteWorkflow } from '../../../../workflows/delete';
import { TEMPORAL_CLIENT } from '../../temporal.module';

/** The workflow id of an operation: readable in the Web UI (operation, instance, request). */
export function taskIdOf(operation: OperationName, instanceUuid: string, requestId: string): string {
  return `${operation}-${instanceUuid}-${requestId}`;
}

interface Launch {
  operation: OperationName;
  instanceUuid: string;
  projectId: string;
  requestId: string;
  /** Shown in the Web UI beside the workflow: server name, flavor, image, who asked. */
  memo: Record<string, unknown>;
}

/** Starts operation workflows on the conductor queue, findable by instance, project and operation. */
@Injectable()
export class WorkflowStarter {
  constructor(@Inject(TEMPORAL_CLIENT) private readonly client: Client) {}

  private options(launch: Launch) {
    return {
      taskQueue: CONDUCTOR_TASK_QUEUE,
      workflowId: taskIdOf(launch.operation, launch.instanceUuid, launch.requestId),
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTES.InstanceUuid, value: launch.instanceUuid },
        { key: SEARCH_ATTRIBUTES.ProjectId, value: launch.projectId },
        { key: SEARCH_ATTRIBUTES.Operation, value: launch.operation },
      ],
      memo: launch.memo,
    };
  }

  async boot(launch: Omit<Launch, 'operation'>): Promise<void> {
    const args: [BootInput] = [{ instanceUuid: launch.instanceUuid, requestId: launch.requestId }];
    await this.client.workflow.start<typeof bootWorkflow>('bootWorkflow', {
      ...this.options({ ...launch, operation: 'create' }),
      args,
    });
  }

  async delete(launch: Omit<Launch, 'operation'>, preemptedTaskId: string | undefined): Promise<void> {
    const args: [DeleteInput] = [
      { instanceUuid: launch.instanceUuid, requestId: launch.requestId, preemptedTaskId },
    ];
    await this.client.workflow.start<typeof deleteWorkflow>('deleteWorkflow', {
      ...this.options({ ...launch, operation: 'delete' }),
      args,
    });
  }
}
