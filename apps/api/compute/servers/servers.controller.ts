import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Post,
  Put,
  Query,
  Res,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { type Response } from 'express';
import { type Settings } from '../../../../common/config';
import { type Instance } from '../../../../entities';
import { ApiError } from '../../common/api-error';
import { type AuthContext, Caller, isAdmin } from '../../common/auth/auth-context';
import { JsonSchemaBody, QueryParams, Returns } from '../../common/openapi';
import { allowed, enforce } from '../../common/policy';
import { requestId } from '../../common/request-context';
import { validateBody } from '../../common/validation';
import { SETTINGS } from '../../settings.module';
import { nextPageLinks, resourceLinks } from '../links';
import { type ApiVersion, Microversion } from '../microversion';
import { LaunchRelay } from './launch-relay';
import { ServerReader } from './server-reader';
import {
  type ServerCreateBody,
  serverCreateSchema,
  serverCreateSchemaV257,
  type ServerUpdateBody,
  serverUpdateSchema,
} from './server.schemas';
import { updateView } from './server-update-view';
import { ServerView } from './server.view';
import { ServersService } from './servers.service';
import { collection, SERVER, SERVER_CREATED, SERVER_SUMMARY, wrapped } from '../compute-shapes';
import { SERVER_LIST_PARAMS } from './server-list-params';
import { obj, str } from '../../common/openapi-shapes';

@ApiTags('compute: servers')
@Controller('compute/v2.1/servers')
export class ServersController {
  constructor(
    private readonly servers: ServersService,
    private readonly reader: ServerReader,
    private readonly relay: LaunchRelay,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  private view(caller: AuthContext, version: ApiVersion) {
    return new ServerView({
      version,
      isAdmin: allowed(caller, 'os_compute_api:os-extended-server-attributes'),
      publicUrl: this.settings.env.publicUrl,
      instanceNameTemplate: this.settings.config.DEFAULT.instance_name_template,
    });
  }

  private async page(
    caller: AuthContext,
    query: Record<string, unknown>,
    version: ApiVersion,
    detail: boolean,
  ) {
    const { instances, limit } = await this.reader.list(caller, query, version, detail);
    const links = nextPageLinks(
      this.settings.env.publicUrl,
      'servers',
      query,
      instances,
      limit,
      instances.at(-1)?.uuid,
    );
    return { instances, links };
  }

  @QueryParams(SERVER_LIST_PARAMS)
  @Returns(200, collection('servers', SERVER_SUMMARY))
  @Get()
  async list(
    @Caller() caller: AuthContext,
    @Query() query: Record<string, unknown>,
    @Microversion() v: ApiVersion,
  ) {
    enforce(caller, 'os_compute_api:servers:index');
    const { instances, links } = await this.page(caller, query, v, false);
    const view = this.view(caller, v);
    return {
      servers: instances.map((instance) => view.summary(instance)),
      ...(links && { servers_links: links }),
    };
  }

  @QueryParams(SERVER_LIST_PARAMS)
  @Returns(200, collection('servers', SERVER))
  @Get('detail')
  async detail(
    @Caller() caller: AuthContext,
    @Query() query: Record<string, unknown>,
    @Microversion() v: ApiVersion,
  ) {
    enforce(caller, 'os_compute_api:servers:detail');
    const { instances, links } = await this.page(caller, query, v, true);
    const extras = await this.reader.extras(instances);
    const view = this.view(caller, v);
    return {
      servers: instances.map((instance) =>
        view.detail(instance, extras.get(instance.uuid)!, { show: false }),
      ),
      ...(links && { servers_links: links }),
    };
  }

  private async shown(caller: AuthContext, instance: Instance, v: ApiVersion) {
    const extras = await this.reader.extras([instance]);
    return { server: this.view(caller, v).detail(instance, extras.get(instance.uuid)!, { show: true }) };
  }

  @Returns(200, wrapped('server', SERVER))
  @Get(':id')
  async show(@Caller() caller: AuthContext, @Param('id') id: string, @Microversion() v: ApiVersion) {
    const instance = await this.reader.find(caller, id);
    enforce(caller, 'os_compute_api:servers:show', { projectId: instance.projectId });
    return this.shown(caller, instance, v);
  }

  @Returns(202, {
    anyOf: [wrapped('server', SERVER_CREATED), obj({ reservation_id: str }, ['reservation_id'])],
  })
  @Post()
  @HttpCode(202)
  @JsonSchemaBody(serverCreateSchema)
  async create(
    @Caller() caller: AuthContext,
    @Body() body: unknown,
    @Microversion() v: ApiVersion,
    @Res({ passthrough: true }) res: Response,
  ) {
    enforce(caller, 'os_compute_api:servers:create', { projectId: caller.projectId });
    const schema = v.atLeast('2.57') ? serverCreateSchemaV257 : serverCreateSchema;
    const request = validateBody<ServerCreateBody>(schema, body);
    const created = await this.servers.create(caller, request, v, requestId());
    this.relay.afterAnswer(res, created.launches);
    if (created.returnReservationId) return { reservation_id: created.reservationId };
    const first = created.firstUuid;
    res.setHeader('Location', `${this.settings.env.publicUrl}/compute/v2.1/servers/${first}`);
    return {
      server: {
        id: first,
        links: resourceLinks(this.settings.env.publicUrl, 'servers', first),
        'OS-DCF:diskConfig': 'MANUAL',
        // As Nova: the groups the request names, else the one the server is in, 'default'.
        security_groups: request.server.security_groups ?? [{ name: 'default' }],
        adminPass: created.adminPass,
      },
    };
  }

  @Returns(200, wrapped('server', SERVER))
  @Put(':id')
  @JsonSchemaBody(serverUpdateSchema)
  async update(
    @Caller() caller: AuthContext,
    @Param('id') id: string,
    @Body() body: unknown,
    @Microversion() v: ApiVersion,
  ) {
    const instance = await this.reader.find(caller, id);
    enforce(caller, 'os_compute_api:servers:update', { projectId: instance.projectId });
    const { server } = validateBody<ServerUpdateBody>(serverUpdateSchema, body);
    if (server.description !== undefined && !v.atLeast('2.19')) {
      throw new ApiError(
        'badRequest',
        "Invalid input for field/attribute server. Value: description. Additional properties are not allowed ('description' was unexpected)",
      );
    }
    const updated = await this.servers.update(instance, {
      ...(server.name !== undefined && { displayName: server.name }),
      ...(server.description !== undefined && { displayDescription: server.description }),
      ...(server.accessIPv4 !== undefined && { accessIpV4: server.accessIPv4 }),
      ...(server.accessIPv6 !== undefined && { accessIpV6: server.accessIPv6 }),
      ...(server.hostname !== undefined && { hostname: server.hostname }),
    });
    const shown = await this.shown(caller, updated, v);
    return v.atLeast('2.75') ? shown : { server: updateView(shown.server) };
  }

  @Returns(204)
  @Delete(':id')
  @HttpCode(204)
  async remove(@Caller() caller: AuthContext, @Param('id') id: string): Promise<void> {
    const instance = await this.reader.find(caller, id);
    enforce(caller, 'os_compute_api:servers:delete', { projectId: instance.projectId });
    if (instance.locked && !isAdmin(caller))
      throw new ApiError('conflictingRequest', `Instance ${id} is locked`);
    await this.servers.delete(caller, instance, requestId());
  }
}
