import { Inject, Injectable } from '@nestjs/common';
import { type Client } from '@temporalio/client';
import { DataSource } from 'typeorm';
import { isServiceUp } from '../../../common/compute/service-liveness';
import { type Settings } from '../../../common/config';
import { Service } from '../../../entities';
import { CONDUCTOR_TASK_QUEUE } from '../../../common/task-queues';
import { SETTINGS } from '../settings.module';
import { TEMPORAL_CLIENT } from '../temporal.module';

export interface CheckResult {
  status: 'up' | 'down';
  [detail: string]: unknown;
}

export interface HealthReport {
  status: 'ok' | 'unavailable';
  checks: { database: CheckResult; temporal: CheckResult; conductor: CheckResult; compute: CheckResult };
}

const CHECK_TIMEOUT_MS = 3000;
/** An idle worker long-polls for up to a minute, so a poll this old still means a live worker. */
const POLLER_FRESH_MS = 90_000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`${what} did not answer in 3 s`)), CHECK_TIMEOUT_MS),
    ),
  ]);
}

const down = (error: unknown): CheckResult => ({ status: 'down', error: (error as Error).message });

/**
 * Answers whether the parts a request needs are reachable: the database, Temporal, a conductor
 * polling its queue (and reporting its service), and at least one compute host reporting.
 */
@Injectable()
export class HealthService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(TEMPORAL_CLIENT) private readonly temporal: Client,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async check(): Promise<HealthReport> {
    const [database, temporal, conductor, compute] = await Promise.all([
      this.checkDatabase().catch(down),
      this.checkTemporal().catch(down),
      this.checkConductor().catch(down),
      this.checkCompute().catch(down),
    ]);
    const checks = { database, temporal, conductor, compute };
    const ok = Object.values(checks).every((check) => check.status === 'up');
    return { status: ok ? 'ok' : 'unavailable', checks };
  }

  private async checkDatabase(): Promise<CheckResult> {
    await withTimeout(this.dataSource.query('SELECT 1'), 'PostgreSQL');
    return { status: 'up' };
  }

  private async checkTemporal(): Promise<CheckResult> {
    await withTimeout(
      this.temporal.workflowService.describeNamespace({ namespace: this.settings.env.temporalNamespace }),
      'Temporal',
    );
    return { status: 'up', namespace: this.settings.env.temporalNamespace };
  }

  private async checkConductor(): Promise<CheckResult> {
    const { pollers } = await withTimeout(
      this.temporal.workflowService.describeTaskQueue({
        namespace: this.settings.env.temporalNamespace,
        taskQueue: { name: CONDUCTOR_TASK_QUEUE },
        taskQueueType: 1 /* WORKFLOW */,
      }),
      'Temporal',
    );
    const fresh = (pollers ?? []).filter((poller) => {
      const seconds = Number(poller.lastAccessTime?.seconds ?? 0);
      return Date.now() - seconds * 1000 < POLLER_FRESH_MS;
    });
    const services = await this.upServices('nova-conductor');
    const up = fresh.length > 0 && services.up.length > 0;
    return { status: up ? 'up' : 'down', pollers: fresh.map((poller) => poller.identity), ...services };
  }

  private async checkCompute(): Promise<CheckResult> {
    const services = await this.upServices('nova-compute');
    return { status: services.up.length > 0 ? 'up' : 'down', ...services };
  }

  /** Hosts of `binary` split by Nova's liveness rule: last report younger than service_down_time. */
  private async upServices(binary: string): Promise<{ up: string[]; down: string[] }> {
    const services = await withTimeout(
      this.dataSource.getRepository(Service).find({ where: { binary }, order: { host: 'ASC' } }),
      'PostgreSQL',
    );
    const downTime = this.settings.config.DEFAULT.service_down_time;
    return {
      up: services.filter((service) => isServiceUp(service, downTime)).map((service) => service.host),
      down: services.filter((service) => !isServiceUp(service, downTime)).map((service) => service.host),
    };
  }
}
