import { randomUUID } from 'node:crypto';
import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { lockProjectQuota, projectLimits, projectUsage } from '../../../common/compute/quotas';
import { type Settings } from '../../../common/config';
import { ServerGroup, type ServerGroupPolicy } from '../../../entities';
import { badRequest, forbidden, notFound } from '../common/api-error';
import { type AuthContext, Caller, isAdmin } from '../common/auth/auth-context';
import { JsonSchemaBody, QueryParams, Returns } from '../common/openapi';
import { allowed, enforce } from '../common/policy';
import { validateBody } from '../common/validation';
import { SETTINGS } from '../settings.module';
import { type ApiVersion, Microversion } from './microversion';
import { arr, str } from '../common/openapi-shapes';
import { SERVER_GROUP, wrapped } from './compute-shapes';

const POLICIES = ['affinity', 'anti-affinity', 'soft-affinity', 'soft-anti-affinity'];

const serverGroupSchema = {
  type: 'object',
  required: ['server_group'],
  additionalProperties: false,
  properties: {
    server_group: {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 255, format: 'name' },
        policies: {
          type: 'array',
          items: { type: 'string', enum: POLICIES },
          minItems: 1,
          maxItems: 1,
          uniqueItems: true,
        },
        policy: { type: 'string', enum: POLICIES },
        rules: {
          type: 'object',
          properties: {
            // Nova's parameter_types.positive_integer.
            max_server_per_host: {
              type: ['integer', 'string'],
              pattern: '^[0-9]*$',
              minimum: 1,
              minLength: 1,
            },
          },
          additionalProperties: false,
        },
      },
    },
  },
};

interface ServerGroupBody {
  server_group: {
    name: string;
    policies?: ServerGroupPolicy[];
    policy?: ServerGroupPolicy;
    rules?: { max_server_per_host?: number | string };
  };
}

const groupNotFound = (id: string) => notFound(`Server group ${id} could not be found.`);

/** os-server-groups: affinity, anti-affinity and their soft variants, which the scheduler honours. */
@ApiTags('compute: server groups')
@Controller('compute/v2.1/os-server-groups')
export class ServerGroupsController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  private async view(group: ServerGroup, v: ApiVersion) {
    const members: { instance_uuid: string }[] = await this.dataSource.query(
      'SELECT instance_uuid FROM server_group_members WHERE group_uuid = $1 ORDER BY instance_uuid',
      [group.uuid],
    );
    return {
      id: group.uuid,
      name: group.name,
      ...(v.atLeast('2.64')
        ? { policy: group.policy, rules: group.rules }
        : { policies: [group.policy], metadata: {} }),
      members: members.map((member) => member.instance_uuid),
      ...(v.atLeast('2.13') && { project_id: group.projectId, user_id: group.userId }),
    };
  }

  private async find(caller: AuthContext, id: string): Promise<ServerGroup> {
    const group = /^[0-9a-f-]{36}$/i.test(id)
      ? await this.dataSource.getRepository(ServerGroup).findOneBy({ uuid: id })
      : null;
    if (!group || (!isAdmin(caller) && group.projectId !== caller.projectId)) throw groupNotFound(id);
    return group;
  }

  @QueryParams({ all_projects: str })
  @Returns(200, wrapped('server_groups', arr(SERVER_GROUP)))
  @Get()
  async list(
    @Caller() caller: AuthContext,
    @Microversion() v: ApiVersion,
    @Query('all_projects') allProjects?: string,
  ) {
    enforce(caller, 'os_compute_api:os-server-groups:index');
    const everyProject =
      allProjects !== undefined && allowed(caller, 'os_compute_api:os-server-groups:index:all_projects');
    const groups = await this.dataSource
      .getRepository(ServerGroup)
      .find({ where: everyProject ? {} : { projectId: caller.projectId }, order: { createdAt: 'ASC' } });
    return { server_groups: await Promise.all(groups.map((group) => this.view(group, v))) };
  }

  @Returns(200, wrapped('server_group', SERVER_GROUP))
  @Get(':id')
  async show(@Caller() caller: AuthContext, @Param('id') id: string, @Microversion() v: ApiVersion) {
    const group = await this.find(caller, id);
    enforce(caller, 'os_compute_api:os-server-groups:show', { projectId: group.projectId });
    return { server_group: await this.view(group, v) };
  }

  @Returns(200, wrapped('server_group', SERVER_GROUP))
  @Post()
  @HttpCode(200)
  @JsonSchemaBody(serverGroupSchema)
  async create(@Caller() caller: AuthContext, @Body() body: unknown, @Microversion() v: ApiVersion) {
    enforce(caller, 'os_compute_api:os-server-groups:create', { projectId: caller.projectId });
    const { server_group: request } = validateBody<ServerGroupBody>(serverGroupSchema, body);
    const policy = v.atLeast('2.64') ? request.policy : request.policies?.[0];
    if (!policy)
      throw badRequest(
        `Invalid input for field/attribute server_group. Value: ${request.name}. '${v.atLeast('2.64') ? 'policy' : 'policies'}' is a required property`,
      );
    if (!v.atLeast('2.15') && policy.startsWith('soft-'))
      throw badRequest(
        `Invalid input for field/attribute 0. Value: ${policy}. '${policy}' is not one of ['anti-affinity', 'affinity']`,
      );
    if (request.rules && Object.keys(request.rules).length > 0 && policy !== 'anti-affinity') {
      throw badRequest('Only anti-affinity policy supports rules.');
    }
    const uuid = randomUUID();
    await this.dataSource.transaction(async (db) => {
      const projectId = caller.projectId!;
      await lockProjectQuota(db, projectId);
      const limit = (await projectLimits(db, this.settings.config, projectId)).server_groups;
      const used = (await projectUsage(db, projectId)).server_groups;
      if (limit >= 0 && used >= limit) throw forbidden('Quota exceeded, too many server groups.');
      const maxPerHost = request.rules?.max_server_per_host;
      await db.getRepository(ServerGroup).insert({
        uuid,
        name: request.name,
        projectId,
        userId: caller.userId,
        policy,
        rules: maxPerHost === undefined ? {} : { max_server_per_host: Number(maxPerHost) },
      });
    });
    return { server_group: await this.view(await this.find(caller, uuid), v) };
  }

  @Returns(204)
  @Delete(':id')
  @HttpCode(204)
  async remove(@Caller() caller: AuthContext, @Param('id') id: string) {
    const group = await this.find(caller, id);
    enforce(caller, 'os_compute_api:os-server-groups:delete', { projectId: group.projectId });
    await this.dataSource.getRepository(ServerGroup).delete({ uuid: group.uuid });
  }
}
