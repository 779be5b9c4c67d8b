import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { type Response } from 'express';
import { DataSource } from 'typeorm';
import { isServiceUp } from '../../../common/compute/service-liveness';
import { type Settings } from '../../../common/config';
import { Service } from '../../../entities';
import { Public } from '../common/auth/auth-context';
import { ReturnsMedia } from '../common/openapi';
import { SETTINGS } from '../settings.module';
import { ApiMetrics } from './api-metrics';

/** GET /metrics: Prometheus's text format, unauthenticated as /healthz (counts only, no names). */
@ApiTags('operations')
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: ApiMetrics,
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @Get()
  @ReturnsMedia(200, 'text/plain')
  async scrape(@Res() res: Response): Promise<void> {
    await this.readGauges();
    res.type(this.metrics.registry.contentType).send(await this.metrics.registry.metrics());
  }

  /** What the database says now: two small aggregate queries per scrape. */
  private async readGauges(): Promise<void> {
    const services = await this.dataSource
      .getRepository(Service)
      .find({ where: { binary: 'nova-compute' }, select: ['disabled', 'forcedDown', 'lastSeenUp'] });
    const downTime = this.settings.config.DEFAULT.service_down_time;
    const up = services.filter((service) => isServiceUp(service, downTime)).length;
    this.metrics.hosts.set({ state: 'up' }, up);
    this.metrics.hosts.set({ state: 'down' }, services.length - up);
    this.metrics.hosts.set({ state: 'disabled' }, services.filter((service) => service.disabled).length);
    const states: { vm_state: string; count: string }[] = await this.dataSource.query(
      'SELECT vm_state, count(*) AS count FROM instances WHERE deleted_at IS NULL GROUP BY vm_state',
    );
    this.metrics.instances.reset();
    for (const { vm_state, count } of states) this.metrics.instances.set({ vm_state }, Number(count));
  }
}
