import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { isServiceUp } from '../../../common/compute/service-liveness';
import { type Settings } from '../../../common/config';
import { Service } from '../../../entities';
import { ApiError, badRequest, notFound } from '../common/api-error';
import { type AuthContext, Caller } from '../common/auth/auth-context';
import { JsonSchemaBody } from '../common/openapi';
import { enforce } from '../common/policy';
import { validateBody } from '../common/validation';
import { SETTINGS } from '../settings.module';
import { type ApiVersion, Microversion } from './microversion';
import { isoMicros } from './timestamps';

const serviceUpdateSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['enabled', 'disabled'] },
    disabled_reason: { type: 'string', minLength: 1, maxLength: 255 },
    forced_down: { type: 'boolean' },
  },
};

/** os-services (admin): Nova's services with their liveness; enable, disable, force down, delete. */
@ApiTags('compute: services and hypervisors')
@Controller('compute/v2.1/os-services')
export class OsServicesController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  private view(service: Service, v: ApiVersion) {
    return {
      binary: service.binary,
      host: service.host,
      id: service.id,
      zone: service.zone,
      status: service.disabled ? 'disabled' : 'enabled',
      state: isServiceUp(service, this.settings.config.DEFAULT.service_down_time) ? 'up' : 'down',
      updated_at: isoMicros(service.updatedAt),
      disabled_reason: service.disabledReason,
      ...(v.atLeast('2.11') && { forced_down: service.forcedDown }),
    };
  }

  @Get()
  async list(
    @Caller() caller: AuthContext,
    @Microversion() v: ApiVersion,
    @Query('host') host?: string,
    @Query('binary') binary?: string,
  ) {
    enforce(caller, 'os_compute_api:os-services:list');
    const services = await this.dataSource.getRepository(Service).find({
      where: { ...(host && { host }), ...(binary && { binary }) },
      order: { binary: 'DESC', host: 'ASC' },
    });
    return { services: services.map((service) => this.view(service, v)) };
  }

  private async find(id: string): Promise<Service> {
    const service = /^[0-9a-f-]{36}$/i.test(id)
      ? await this.dataSource.getRepository(Service).findOneBy({ id })
      : null;
    if (!service) throw notFound(`Service ${id} could not be found.`);
    return service;
  }

  /** PUT /os-services/{id} (2.53): status, disabled_reason and forced_down. */
  @Put(':id')
  @JsonSchemaBody(serviceUpdateSchema)
  async update(
    @Caller() caller: AuthContext,
    @Param('id') id: string,
    @Body() body: unknown,
    @Microversion() v: ApiVersion,
  ) {
    enforce(caller, 'os_compute_api:os-services:update');
    if (!v.atLeast('2.53')) throw new ApiError('itemNotFound', 'The resource could not be found.');
    const request = validateBody<{ status?: string; disabled_reason?: string; forced_down?: boolean }>(
      serviceUpdateSchema,
      body,
    );
    if (Object.keys(request).length === 0) {
      throw badRequest('No updates were requested. Fields "status" or "forced_down" should be specified.');
    }
    if (request.disabled_reason && request.status !== 'disabled') {
      throw badRequest('Specifying a disabled_reason is only supported when the status is disabled.');
    }
    const service = await this.find(id);
    if (request.forced_down !== undefined && service.binary !== 'nova-compute') {
      throw badRequest('Updating a nova-compute service is the only supported forced_down operation.');
    }
    await this.dataSource.getRepository(Service).update(
      { id },
      {
        ...(request.status && { disabled: request.status === 'disabled' }),
        ...(request.status && {
          disabledReason: request.status === 'disabled' ? (request.disabled_reason ?? null) : null,
        }),
        ...(request.forced_down !== undefined && { forcedDown: request.forced_down }),
      },
    );
    return { service: this.view(await this.find(id), v) };
  }

  /** Deletes a service; a compute service with instances on its host cannot go. */
  @Delete(':id')
  @HttpCode(204)
  async remove(@Caller() caller: AuthContext, @Param('id') id: string) {
    enforce(caller, 'os_compute_api:os-services:delete');
    const service = await this.find(id);
    if (service.binary === 'nova-compute') {
      const [{ count }] = await this.dataSource.query(
        'SELECT count(*)::int AS count FROM instances WHERE host = $1 AND deleted_at IS NULL',
        [service.host],
      );
      if (count > 0) {
        throw new ApiError(
          'conflictingRequest',
          `Unable to delete compute service that is hosting instances. Migrate or delete the instances first.`,
        );
      }
    }
    await this.dataSource.getRepository(Service).delete({ id });
  }
}
