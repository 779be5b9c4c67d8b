import { Inject, Injectable } from '@nestjs/common';
import { type Client } from '@temporalio/client';
import { DataSource } from 'typeorm';
import { startQueuedWorkflow, type WorkflowLaunch } from '../../../common/compute/workflow-outbox';
import { crashPoint } from '../../../common/crash-points';
import { type Logger } from '../../../common/logger';
import { LOGGER } from '../settings.module';
import { TEMPORAL_CLIENT } from '../temporal.module';

/**
 * Starts a workflow whose launch a committed transaction queued in the outbox (an operation, a
 * runbook, a server's external events). A failure (Temporal unreachable) is logged and left to
 * the reconciler, which starts what the outbox still holds.
 */
@Injectable()
export class WorkflowStarter {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async start(launch: WorkflowLaunch | undefined): Promise<void> {
    if (!launch) return;
    crashPoint('api-before-workflow-start');
    try {
      await startQueuedWorkflow(this.client, this.dataSource.manager, launch);
    } catch (error) {
      this.logger.warn(
        { err: error, workflowId: launch.workflowId },
        'workflow not started now; the reconciler will',
      );
    }
  }
}
