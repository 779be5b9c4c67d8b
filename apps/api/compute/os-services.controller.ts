import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { isServiceUp } from '../../../common/compute/service-liveness';
import { type Settings } from '../../../common/config';
import { liftHostQuarantine } from '../../../common/network/address-quarantine';
import { Service } from '../../../entities';
import { ApiError, badRequest, notFound } from '../common/api-error';
import { type AuthContext, Caller } from '../common/auth/auth-context';
import { JsonSchemaBody, QueryParams, Returns } from '../common/openapi';
import { enforce } from '../common/policy';
import { validateBody } from '../common/validation';
import { SETTINGS } from '../settings.module';
import { type ApiVersion, Microversion } from './microversion';
import { legacyServiceAction, NOVA_BOOLEAN, novaBool } from './services/legacy-service-actions';
import { canonicalUuid, isRowId, parseInteger, UUID_FOR_ID_MIN_VERSION } from './services/resource-ids';
import { isoMicros } from './timestamps';
import { arr, str } from '../common/openapi-shapes';
import { SERVICE, wrapped } from './compute-shapes';

/** services.service_update_v2_53: the service is named by the path, the body says what changes. */
const serviceUpdateSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    status: { type: 'string', enum: ['enabled', 'disabled'] },
    disabled_reason: { type: 'string', minLength: 1, maxLength: 255 },
    forced_down: NOVA_BOOLEAN,
  },
};

interface ServiceUpdate {
  status?: 'enabled' | 'disabled';
  disabled_reason?: string;
  forced_down?: boolean | string;
}

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
      id: v.atLeast(UUID_FOR_ID_MIN_VERSION) ? service.id : service.serialId,
      zone: service.zone,
      status: service.disabled ? 'disabled' : 'enabled',
      state: isServiceUp(service, this.settings.config.DEFAULT.service_down_time) ? 'up' : 'down',
      updated_at: isoMicros(service.updatedAt),
      disabled_reason: service.disabledReason,
      ...(v.atLeast('2.11') && { forced_down: service.forcedDown }),
    };
  }

  @QueryParams({ host: str, binary: str })
  @Returns(200, wrapped('services', arr(SERVICE)))
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

  /**
   * PUT /os-services/{id}: from 2.53 {id} is the service's UUID and the body says what changes;
   * below it {id} is an action (enable, disable, ...) and the body names host and binary.
   */
  @Returns(200, wrapped('service', SERVICE))
  @Put(':id')
  @JsonSchemaBody(serviceUpdateSchema)
  async update(
    @Caller() caller: AuthContext,
    @Param('id') id: string,
    @Body() body: unknown,
    @Microversion() v: ApiVersion,
  ) {
    enforce(caller, 'os_compute_api:os-services:update');
    if (!v.atLeast(UUID_FOR_ID_MIN_VERSION)) return legacyServiceAction(this.dataSource, id, body, v);
    const request = validateBody<ServiceUpdate>(serviceUpdateSchema, body);
    const uuid = canonicalUuid(id);
    if (!uuid) throw badRequest(`Invalid uuid ${id}`);
    const repository = this.dataSource.getRepository(Service);
    const service = await repository.findOneBy({ id: uuid });
    if (!service) throw notFound(`Service ${id} could not be found.`);
    if (service.binary !== 'nova-compute') {
      throw badRequest(
        `Updating a ${service.binary} service is not supported. Only nova-compute services can be updated.`,
      );
    }
    if (request.status === 'enabled' && request.disabled_reason) {
      throw badRequest("Specifying 'disabled_reason' with status 'enabled' is invalid.");
    }
    if (request.status === undefined && request.forced_down === undefined) {
      throw badRequest("No updates were requested. Fields 'status' or 'forced_down' should be specified.");
    }
    await repository.update(
      { id: uuid },
      {
        ...(request.status && {
          disabled: request.status === 'disabled',
          disabledReason: request.status === 'disabled' ? (request.disabled_reason ?? null) : null,
        }),
        ...(request.forced_down !== undefined && { forcedDown: novaBool(request.forced_down) }),
      },
    );
    return { service: this.view((await repository.findOneBy({ id: uuid }))!, v) };
  }

  /** The service a DELETE names: a UUID from 2.53, Nova's integer id below; a 400 for anything else. */
  private async findForDelete(id: string, v: ApiVersion): Promise<Service> {
    const repository = this.dataSource.getRepository(Service);
    let service: Service | null;
    if (v.atLeast(UUID_FOR_ID_MIN_VERSION)) {
      const uuid = canonicalUuid(id);
      if (!uuid) throw badRequest(`Invalid uuid ${id}`);
      service = await repository.findOneBy({ id: uuid });
    } else {
      const serial = parseInteger(id);
      if (serial === null) throw badRequest('Invalid input received: id must be an integer');
      service = isRowId(serial) ? await repository.findOneBy({ serialId: serial }) : null;
    }
    if (!service) throw notFound(`Service ${id} not found.`);
    return service;
  }

  /** Deletes a service; a compute service with instances on its host cannot go. */
  @Returns(204)
  @Delete(':id')
  @HttpCode(204)
  async remove(@Caller() caller: AuthContext, @Param('id') id: string, @Microversion() v: ApiVersion) {
    enforce(caller, 'os_compute_api:os-services:delete');
    const service = await this.findForDelete(id, v);
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
    await this.dataSource.transaction(async (db) => {
      await db.getRepository(Service).delete({ id: service.id });
      // The host's guests are gone with it: addresses held for them are free again.
      if (service.binary === 'nova-compute') await liftHostQuarantine(db, service.host);
    });
  }
}
