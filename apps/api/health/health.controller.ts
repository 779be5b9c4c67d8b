import { Controller, Get, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { type Response } from 'express';
import { Public } from '../common/auth/auth-context';
import { Returns } from '../common/openapi';
import { anyValue, mapOf, obj, str } from '../common/openapi-shapes';
import { HealthService } from './health.service';

const HEALTH = obj({ status: str, checks: mapOf(anyValue) }, ['status']);

@ApiTags('operations')
@Public()
@Controller('healthz')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** 200 when every part is reachable, 503 otherwise; the body says which is which. */
  @Get()
  @Returns(200, HEALTH)
  @Returns(503, HEALTH)
  async get(@Res() res: Response): Promise<void> {
    const report = await this.health.check();
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  }
}
