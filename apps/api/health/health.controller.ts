import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { type Response } from 'express';
import { Public } from '../common/auth/auth-context';
import { HealthService } from './health.service';

@ApiExcludeController()
@Public()
@Controller('healthz')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** 200 when every part is reachable, 503 otherwise; the body says which is which. */
  @Get()
  async get(@Res() res: Response): Promise<void> {
    const report = await this.health.check();
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  }
}
