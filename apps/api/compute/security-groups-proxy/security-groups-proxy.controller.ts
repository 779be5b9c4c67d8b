import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { type Settings } from '../../../../common/config';
import { ApiError } from '../../common/api-error';
import { type AuthContext, Caller, isAdmin } from '../../common/auth/auth-context';
import { enforce, type PolicyAction } from '../../common/policy';
import { SecurityGroupRulesService } from '../../network/security-groups/security-group-rules.service';
import { SecurityGroupsService } from '../../network/security-groups/security-groups.service';
import { SETTINGS } from '../../settings.module';
import { type ApiVersion, Microversion } from '../microversion';
import { ServerReader } from '../servers/server-reader';
import {
  checkProperty,
  existingRule,
  fromBody,
  ingressRules,
  invalid,
  type NeutronGroup,
  type NeutronRule,
  neutronRuleBody,
  newIngressRule,
  novaRule,
  type NovaRule,
  parseCidr as parseCidrOf,
  validateId,
} from './nova-security-groups';
import { JsonSchemaBody, QueryParams, Returns } from '../../common/openapi';
import { anyValue, arr, mapOf, str } from '../../common/openapi-shapes';
import { NOVA_SECURITY_GROUP, wrapped } from '../compute-shapes';
import { PAGINATION_PARAMS } from '../pagination';

/** MAX_PROXY_API_SUPPORT_VERSION: Nova's network proxies stop at 2.35 and answer 404 after. */
function proxied(v: ApiVersion): void {
  if (v.atLeast('2.36')) throw new ApiError('itemNotFound', 'The resource could not be found.');
}

/** What Nova makes of a Neutron refusal: the status it maps it to, Neutron's own message. */
function fromNeutron(error: unknown, statuses: Partial<Record<number, ApiError['kind']>>): never {
  if (error instanceof ApiError && statuses[error.status]) {
    throw new ApiError(statuses[error.status]!, error.message);
  }
  throw error;
}

type GroupData = { name: string; tenant_id: string } | null;

/** Nova's order of group views: by project, then by name. */
const byProjectAndName = (a: { tenant_id: string; name: string }, b: { tenant_id: string; name: string }) =>
  a.tenant_id === b.tenant_id
    ? a.name < b.name
      ? -1
      : a.name > b.name
        ? 1
        : 0
    : a.tenant_id < b.tenant_id
      ? -1
      : 1;

const one = (value: unknown) => (Array.isArray(value) ? value.at(-1) : value);

/**
 * Nova's os-security-groups and os-security-group-rules proxies over Neutron (deprecated at 2.36):
 * Nova's view of the caller's Neutron groups, ingress rules only, in Nova's words.
 */
@ApiTags('compute: security groups (proxy)')
@Controller('compute/v2.1')
export class SecurityGroupsProxyController {
  constructor(
    private readonly groups: SecurityGroupsService,
    private readonly rules: SecurityGroupRulesService,
    private readonly servers: ServerReader,
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  private enforce(auth: AuthContext, action: string) {
    enforce(auth, `os_compute_api:os-security-groups:${action}` as PolicyAction, {
      projectId: auth.projectId,
    });
  }

  private async neutronGroup(auth: AuthContext, id: string): Promise<NeutronGroup> {
    try {
      return ((await this.groups.show(auth, id, {})) as unknown as { security_group: NeutronGroup })
        .security_group;
    } catch (error) {
      return fromNeutron(error, { 404: 'itemNotFound' });
    }
  }

  /** _format_security_group_rule: a remote group as its name and project, else the cidr. */
  private async ruleView(auth: AuthContext, rule: NovaRule, groupData?: GroupData) {
    let group: GroupData | undefined = groupData;
    if (group === undefined && rule.group_id) {
      try {
        const source = await this.neutronGroup(auth, rule.group_id);
        group = { name: source.name, tenant_id: source.tenant_id };
      } catch {
        return undefined; // the remote group went away: Nova leaves the rule out
      }
    }
    return {
      id: rule.id,
      parent_group_id: rule.parent_group_id,
      ip_protocol: rule.protocol,
      from_port: rule.from_port,
      to_port: rule.to_port,
      group: group ?? {},
      ip_range: group ? {} : { cidr: rule.cidr },
    };
  }

  private async groupView(auth: AuthContext, group: NeutronGroup) {
    const rules = [];
    for (const rule of ingressRules(group)) {
      const view = await this.ruleView(auth, rule);
      if (view) rules.push(view);
    }
    return {
      id: group.id,
      description: group.description,
      name: group.name,
      tenant_id: group.tenant_id,
      rules,
    };
  }

  @QueryParams({ limit: PAGINATION_PARAMS.limit, offset: PAGINATION_PARAMS.limit, all_tenants: str })
  @Returns(200, wrapped('security_groups', arr(NOVA_SECURITY_GROUP)))
  @Get('os-security-groups')
  async index(
    @Caller() auth: AuthContext,
    @Microversion() v: ApiVersion,
    @Query() query: Record<string, unknown>,
  ) {
    proxied(v);
    this.enforce(auth, 'get');
    const everyone = isAdmin(auth) && query.all_tenants !== undefined;
    const listed = (await this.groups.list(
      auth,
      everyone ? {} : { tenant_id: auth.projectId ?? '' },
    )) as unknown as {
      security_groups: NeutronGroup[];
    };
    // common.limited: offset, then at most limit (capped by max_limit).
    const number = (name: string) => {
      const value = one(query[name]);
      if (value === undefined) return undefined;
      if (!/^\d+$/.test(String(value)))
        throw invalid(`Invalid input for query parameters ${name}. Value: ${String(value)}.`);
      return Number(value);
    };
    const offset = number('offset') ?? 0;
    const maxLimit = this.settings.config.api.max_limit;
    const limit = Math.min(number('limit') ?? maxLimit, maxLimit);
    const page = listed.security_groups.slice(offset, offset + limit);
    const views = [];
    for (const group of page) views.push(await this.groupView(auth, group));
    views.sort(byProjectAndName);
    return { security_groups: views };
  }

  /**
   * ServerSecurityGroupController.index: the groups of the server's ports in Nova's view, by
   * project and name. Not a proxy of Neutron's API, so served at every microversion.
   */
  @Returns(200, wrapped('security_groups', arr(NOVA_SECURITY_GROUP)))
  @Get('servers/:serverId/os-security-groups')
  async serverGroups(@Caller() auth: AuthContext, @Param('serverId') serverId: string) {
    const instance = await this.servers.find(auth, serverId);
    enforce(auth, 'os_compute_api:os-security-groups:list', { projectId: instance.projectId });
    const bound: { id: string }[] = await this.dataSource.query(
      `SELECT DISTINCT b.security_group_id AS id
         FROM ports p JOIN security_group_port_bindings b ON b.port_id = p.id
        WHERE p.instance_uuid = $1`,
      [instance.uuid],
    );
    const views = [];
    for (const { id } of bound) views.push(await this.groupView(auth, await this.neutronGroup(auth, id)));
    views.sort(byProjectAndName);
    return { security_groups: views };
  }

  @Returns(200, wrapped('security_group', NOVA_SECURITY_GROUP))
  @Get('os-security-groups/:id')
  async show(@Caller() auth: AuthContext, @Microversion() v: ApiVersion, @Param('id') id: string) {
    proxied(v);
    this.enforce(auth, 'show');
    const group = await this.neutronGroup(auth, validateId(id));
    return { security_group: await this.groupView(auth, group) };
  }

  @Returns(200, wrapped('security_group', NOVA_SECURITY_GROUP))
  @JsonSchemaBody(wrapped('security_group', mapOf(anyValue)))
  @Post('os-security-groups')
  @HttpCode(200)
  async create(@Caller() auth: AuthContext, @Microversion() v: ApiVersion, @Body() body: unknown) {
    proxied(v);
    this.enforce(auth, 'create');
    const requested = fromBody(body, 'security_group');
    const name = checkProperty(requested.name ?? null, 'name');
    const description = checkProperty(requested.description ?? null, 'description');
    let created: NeutronGroup;
    try {
      created = (
        (await this.groups.create(auth, { security_group: { name, description } })) as unknown as {
          security_group: NeutronGroup;
        }
      ).security_group;
    } catch (error) {
      return fromNeutron(error, { 400: 'badRequest', 409: 'forbidden' });
    }
    return { security_group: await this.groupView(auth, created) };
  }

  @Returns(200, wrapped('security_group', NOVA_SECURITY_GROUP))
  @JsonSchemaBody(wrapped('security_group', mapOf(anyValue)))
  @Put('os-security-groups/:id')
  async update(
    @Caller() auth: AuthContext,
    @Microversion() v: ApiVersion,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    proxied(v);
    this.enforce(auth, 'update');
    const group = await this.neutronGroup(auth, validateId(id));
    const requested = fromBody(body, 'security_group');
    const name = checkProperty(requested.name ?? null, 'name');
    const description = checkProperty(requested.description ?? null, 'description');
    let updated: NeutronGroup;
    try {
      updated = (
        (await this.groups.update(auth, group.id, { security_group: { name, description } })) as unknown as {
          security_group: NeutronGroup;
        }
      ).security_group;
    } catch (error) {
      return fromNeutron(error, { 404: 'itemNotFound', 400: 'badRequest' });
    }
    return { security_group: await this.groupView(auth, updated) };
  }

  @Returns(202)
  @Delete('os-security-groups/:id')
  @HttpCode(202)
  async remove(@Caller() auth: AuthContext, @Microversion() v: ApiVersion, @Param('id') id: string) {
    proxied(v);
    this.enforce(auth, 'delete');
    const group = await this.neutronGroup(auth, validateId(id));
    try {
      await this.groups.remove(auth, group.id);
    } catch (error) {
      // A group in use, or the default group: Neutron's 409 is Nova's Invalid, a 400.
      fromNeutron(error, { 404: 'itemNotFound', 409: 'badRequest' });
    }
  }

  @Returns(200, wrapped('security_group_rule', mapOf(anyValue)))
  @JsonSchemaBody(wrapped('security_group_rule', mapOf(anyValue)))
  @Post('os-security-group-rules')
  @HttpCode(200)
  async createRule(@Caller() auth: AuthContext, @Microversion() v: ApiVersion, @Body() body: unknown) {
    proxied(v);
    this.enforce(auth, 'rule:create');
    const requested = fromBody(body, 'security_group_rule');
    const parent = await this.neutronGroup(auth, validateId(requested.parent_group_id ?? null));
    let source: NeutronGroup | undefined;
    let groupId: string | undefined;
    if (requested.group_id !== undefined && requested.group_id !== null) {
      groupId = validateId(requested.group_id);
      source = await this.neutronGroup(auth, groupId);
    }
    const rule = newIngressRule(
      requested.ip_protocol,
      requested.from_port,
      requested.to_port,
      groupId !== undefined ? { groupId } : { cidr: parseCidrOf(requested.cidr) },
    );
    if (!rule) throw invalid('Not enough parameters to build a valid rule.');
    if (rule.cidr) {
      const [net, prefix] = rule.cidr.split('/');
      if (!['0.0.0.0', '::'].includes(net) && prefix === '0')
        throw invalid(`Bad prefix for network in cidr ${rule.cidr}`);
    }
    if (existingRule(ingressRules(parent), rule))
      throw invalid(`This rule already exists in group ${parent.id}`);
    let created: NeutronRule;
    try {
      created = (
        (await this.rules.create(auth, neutronRuleBody(parent.id, rule))) as unknown as {
          security_group_rule: NeutronRule;
        }
      ).security_group_rule;
    } catch (error) {
      return fromNeutron(error, { 404: 'itemNotFound', 409: 'forbidden', 400: 'badRequest' });
    }
    const groupData = source ? { name: source.name, tenant_id: source.tenant_id } : null;
    return { security_group_rule: await this.ruleView(auth, novaRule(created), groupData) };
  }

  @Returns(202)
  @Delete('os-security-group-rules/:id')
  @HttpCode(202)
  async removeRule(@Caller() auth: AuthContext, @Microversion() v: ApiVersion, @Param('id') id: string) {
    proxied(v);
    this.enforce(auth, 'rule:delete');
    validateId(id);
    let rule: NeutronRule;
    try {
      rule = ((await this.rules.show(auth, id, {})) as unknown as { security_group_rule: NeutronRule })
        .security_group_rule;
    } catch (error) {
      return fromNeutron(error, { 404: 'itemNotFound' });
    }
    await this.neutronGroup(auth, rule.security_group_id);
    try {
      await this.rules.remove(auth, rule.id);
    } catch (error) {
      fromNeutron(error, { 404: 'itemNotFound', 409: 'conflictingRequest', 400: 'badRequest' });
    }
  }
}
