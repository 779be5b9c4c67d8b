import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { type RunbookSignal } from '../../../../common/compute/runbooks';
import { type Settings } from '../../../../common/config';
import { type AuthContext, Caller } from '../../common/auth/auth-context';
import { JsonSchemaBody, QueryParams, Returns } from '../../common/openapi';
import { enforce } from '../../common/policy';
import { requestId } from '../../common/request-context';
import { validateBody } from '../../common/validation';
import { SETTINGS } from '../../settings.module';
import { PAGINATION_PARAMS, paginationParams } from '../pagination';
import {
  type CreateRunbookBody,
  createRunbookSchema,
  type RunbookActionBody,
  runbookActionSchema,
} from './runbook-schemas';
import { RunbooksService } from './runbooks.service';
import { anyValue, arr, mapOf, str, wrapped } from '../../common/openapi-shapes';

/**
 * os-runbooks (Novaflow's own, admin only): operator procedures on a host (drain-host,
 * evacuate-host, host-maintenance), each a workflow an operator steers with pause, resume,
 * approve and abort (here, or `temporal workflow signal`). See docs/runbooks.md.
 */
@ApiTags('compute: runbooks')
@Controller('compute/v2.1/os-runbooks')
export class RunbooksController {
  constructor(
    private readonly runbooks: RunbooksService,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @Returns(202, wrapped('runbook', mapOf(anyValue)))
  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Start a runbook on a host' })
  @JsonSchemaBody(createRunbookSchema)
  async create(@Caller() caller: AuthContext, @Body() body: unknown) {
    enforce(caller, 'os_compute_api:os-runbooks:create');
    const value = validateBody<CreateRunbookBody>(createRunbookSchema, body);
    return { runbook: await this.runbooks.create(caller, value, requestId()) };
  }

  @QueryParams({ limit: PAGINATION_PARAMS.limit, host: str, status: str })
  @Returns(200, wrapped('runbooks', arr(mapOf(anyValue))))
  @Get()
  async list(@Caller() caller: AuthContext, @Query() query: Record<string, unknown>) {
    enforce(caller, 'os_compute_api:os-runbooks:list');
    const { limit } = paginationParams(query, this.settings.config.api.max_limit);
    const text = (name: string) => (typeof query[name] === 'string' ? (query[name] as string) : undefined);
    return { runbooks: await this.runbooks.list({ host: text('host'), status: text('status'), limit }) };
  }

  @Returns(200, wrapped('runbook', mapOf(anyValue)))
  @Get(':id')
  async show(@Caller() caller: AuthContext, @Param('id') id: string) {
    enforce(caller, 'os_compute_api:os-runbooks:show');
    return { runbook: await this.runbooks.show(id) };
  }

  @Returns(202)
  @Post(':id/action')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Pause, resume, approve or abort a runbook',
    description: 'The body has one key: {"pause": null}, {"abort": {"enable_host": false}}, ...',
  })
  @JsonSchemaBody(runbookActionSchema)
  async act(@Caller() caller: AuthContext, @Param('id') id: string, @Body() body: unknown): Promise<void> {
    enforce(caller, 'os_compute_api:os-runbooks:action');
    const value = validateBody<RunbookActionBody>(runbookActionSchema, body);
    // The schema allows exactly one key, a signal's name.
    const signal = Object.keys(value)[0] as RunbookSignal;
    const argument = value[signal];
    await this.runbooks.signal(id, signal, argument ? [argument] : []);
  }
}
