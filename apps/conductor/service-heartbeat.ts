import { hostname } from 'node:os';
import { type DataSource } from 'typeorm';
import { recordService } from '../../activities/conductor/service-records';
import { type Config } from '../../common/config';
import { type Logger } from '../../common/logger';

/**
 * The conductor also schedules, so it reports two Nova services, nova-conductor and nova-scheduler,
 * the way Nova's own services do: a row refreshed every report_interval.
 */
export class ServiceHeartbeat {
  private timer: NodeJS.Timeout | undefined;
  readonly host = hostname();

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: Config,
    private readonly logger: Logger,
  ) {}

  private async beat(): Promise<void> {
    const zone = this.config.DEFAULT.internal_service_availability_zone;
    const seenAt = new Date();
    for (const binary of ['nova-conductor', 'nova-scheduler'] as const) {
      await recordService(this.dataSource.manager, {
        host: this.host,
        binary,
        topic: binary.replace('nova-', ''),
        zone,
        seenAt,
      });
    }
  }

  start(): void {
    const tick = () =>
      this.beat().catch((error: Error) => this.logger.warn({ err: error.message }, 'heartbeat failed'));
    void tick();
    this.timer = setInterval(tick, this.config.DEFAULT.report_interval * 1000);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
