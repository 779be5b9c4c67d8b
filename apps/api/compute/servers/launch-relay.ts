import { Inject, Injectable } from '@nestjs/common';
import { type Client } from '@temporalio/client';
import { type Response } from 'express';
import { DataSource } from 'typeorm';
import { relayLaunches } from '../../../../common/compute/outbox-relay';
import { type WorkflowLaunch } from '../../../../common/compute/workflow-outbox';
import { faultPoint } from '../../../../common/fault-points';
import { type Logger } from '../../../../common/logger';
import { ApiMetrics } from '../../metrics/api-metrics';
import { LOGGER } from '../../settings.module';
import { TEMPORAL_CLIENT } from '../../temporal.module';

/**
 * Starts the workflows a request queued in the outbox once its answer has gone out, as Nova's API
 * casts to the conductor and answers: a POST of a thousand servers answers when its rows are
 * committed, not when a thousand workflows have started. Starts run a few at once, each
 * idempotent by workflow id; what this process does not start (it died, Temporal was away) the
 * reconciler starts from the outbox.
 */
@Injectable()
export class LaunchRelay {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: ApiMetrics,
  ) {}

  /** Relays `launches` when the response is done (sent, or its client gone: they are committed either way). */
  afterAnswer(res: Response, launches: WorkflowLaunch[]): void {
    res.once('close', () => void this.relay(launches));
  }

  private async relay(launches: WorkflowLaunch[]): Promise<void> {
    await faultPoint('api.relayLaunches.before');
    for (const launch of launches) this.metrics.operationLaunched(launch.searchAttributes.operation);
    try {
      const { failed } = await relayLaunches(this.client, this.dataSource.manager, launches);
      if (failed.length > 0) {
        this.logger.warn(
          { err: failed[0].error, failed: failed.length, of: launches.length },
          'workflows not started now; the reconciler will',
        );
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'workflows not started now; the reconciler will');
    }
  }
}
