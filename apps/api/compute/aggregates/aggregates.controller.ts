import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { badRequest } from '../../common/api-error';
import { type AuthContext, Caller } from '../../common/auth/auth-context';
import { JsonSchemaBody, Returns } from '../../common/openapi';
import { enforce } from '../../common/policy';
import { validateBody } from '../../common/validation';
import { type ApiVersion, Microversion } from '../microversion';
import {
  addHostSchema,
  type AggregateCreate,
  type AggregateUpdate,
  aggregateCreateSchema,
  aggregateUpdateSchema,
  removeHostSchema,
  setMetadataSchema,
} from './aggregate.schemas';
import { aggregateView, createdAggregateView } from './aggregate.view';
import { AggregatesService } from './aggregates.service';
import { arr } from '../../common/openapi-shapes';
import { AGGREGATE, wrapped } from '../compute-shapes';

/** os-aggregates (admin): host aggregates, their hosts and metadata; Nova's status codes (200s). */
@ApiTags('compute: host aggregates')
@Controller('compute/v2.1/os-aggregates')
export class AggregatesController {
  constructor(private readonly aggregates: AggregatesService) {}

  @Returns(200, wrapped('aggregates', arr(AGGREGATE)))
  @Get()
  async list(@Caller() caller: AuthContext, @Microversion() v: ApiVersion) {
    enforce(caller, 'os_compute_api:os-aggregates:index');
    return { aggregates: (await this.aggregates.list()).map((aggregate) => aggregateView(aggregate, v)) };
  }

  @Returns(200, wrapped('aggregate', AGGREGATE))
  @Post()
  @HttpCode(200)
  @JsonSchemaBody(aggregateCreateSchema)
  async create(@Caller() caller: AuthContext, @Body() body: unknown, @Microversion() v: ApiVersion) {
    enforce(caller, 'os_compute_api:os-aggregates:create');
    const { aggregate } = validateBody<AggregateCreate>(aggregateCreateSchema, body);
    const created = await this.aggregates.create(aggregate.name.trim(), aggregate.availability_zone?.trim());
    return { aggregate: createdAggregateView(created, v) };
  }

  @Returns(200, wrapped('aggregate', AGGREGATE))
  @Get(':id')
  async show(@Caller() caller: AuthContext, @Param('id') id: string, @Microversion() v: ApiVersion) {
    enforce(caller, 'os_compute_api:os-aggregates:show');
    return { aggregate: aggregateView(await this.aggregates.get(id), v) };
  }

  @Returns(200, wrapped('aggregate', AGGREGATE))
  @Put(':id')
  @JsonSchemaBody(aggregateUpdateSchema)
  async update(
    @Caller() caller: AuthContext,
    @Param('id') id: string,
    @Body() body: unknown,
    @Microversion() v: ApiVersion,
  ) {
    enforce(caller, 'os_compute_api:os-aggregates:update');
    const { aggregate: values } = validateBody<AggregateUpdate>(aggregateUpdateSchema, body);
    const updates = { ...values, ...(values.name !== undefined && { name: values.name.trim() }) };
    return { aggregate: aggregateView(await this.aggregates.update(id, updates), v) };
  }

  @Returns(200)
  @Delete(':id')
  @HttpCode(200)
  async delete(@Caller() caller: AuthContext, @Param('id') id: string): Promise<void> {
    enforce(caller, 'os_compute_api:os-aggregates:delete');
    await this.aggregates.delete(id);
  }

  /** POST /os-aggregates/{id}/action: add_host, remove_host or set_metadata, each its own policy. */
  @Returns(200, wrapped('aggregate', AGGREGATE))
  @JsonSchemaBody({ oneOf: [addHostSchema, removeHostSchema, setMetadataSchema] })
  @Post(':id/action')
  @HttpCode(200)
  async action(
    @Caller() caller: AuthContext,
    @Param('id') id: string,
    @Body() body: unknown,
    @Microversion() v: ApiVersion,
  ) {
    const name = body && typeof body === 'object' ? Object.keys(body)[0] : undefined;
    if (name === 'add_host') {
      enforce(caller, 'os_compute_api:os-aggregates:add_host');
      const { add_host } = validateBody<{ add_host: { host: string } }>(addHostSchema, body);
      return { aggregate: aggregateView(await this.aggregates.addHost(id, add_host.host), v) };
    }
    if (name === 'remove_host') {
      enforce(caller, 'os_compute_api:os-aggregates:remove_host');
      const { remove_host } = validateBody<{ remove_host: { host: string } }>(removeHostSchema, body);
      return { aggregate: aggregateView(await this.aggregates.removeHost(id, remove_host.host), v) };
    }
    if (name === 'set_metadata') {
      enforce(caller, 'os_compute_api:os-aggregates:set_metadata');
      const { set_metadata } = validateBody<{ set_metadata: { metadata: Record<string, string | null> } }>(
        setMetadataSchema,
        body,
      );
      return { aggregate: aggregateView(await this.aggregates.setMetadata(id, set_metadata.metadata), v) };
    }
    throw badRequest(`There is no such action: ${name ?? ''}`);
  }
}
