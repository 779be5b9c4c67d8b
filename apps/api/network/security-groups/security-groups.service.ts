import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import {
  ensureDefaultSecurityGroup,
  isDefaultSecurityGroup,
} from '../../../../common/network/default-security-group';
import { checkNetworkQuota } from '../../../../common/network/network-quotas';
import { updateRevised } from '../../../../common/network/revisions';
import {
  cannotRemoveDefault,
  cannotUpdateDefault,
  defaultAlreadyExists,
  securityGroupInUse,
} from '../../../../common/network/security-group-errors';
import { SecurityGroup, SecurityGroupPortBinding, SecurityGroupRule } from '../../../../entities';
import { type AuthContext, isAdmin } from '../../common/auth/auth-context';
import { enforce } from '../../common/policy';
import { validateBody } from '../../common/validation';
import {
  fieldsOf,
  type Filters,
  listPage,
  pickFields,
  type QueryParams,
  STANDARD_FILTERS,
} from '../list-query';
import { NetworkAccess } from '../network-access';
import { NetworkUrls } from '../network-urls';
import { SecurityGroupAccess } from './security-group-access';
import { groupView } from './security-group-views';
import { groupCreateSchema, type SecurityGroupBody, groupUpdateSchema } from './security-group.schemas';

/** A new group's rules: everything out, over each IP version. */
const EGRESS_ETHERTYPES = ['IPv4', 'IPv6'] as const;

export const FILTERS: Filters = { ...STANDARD_FILTERS, stateful: { property: 'stateful', type: 'boolean' } };

/** PostgreSQL's foreign_key_violation: a port joined the group while it was being deleted. */
const isForeignKeyViolation = (error: unknown) =>
  error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23503';

/**
 * /v2.0/security-groups. Listing or creating groups first makes the caller's `default` group, as
 * Neutron does; that group keeps its name, and only the admin deletes it.
 */
@Injectable()
export class SecurityGroupsService {
  constructor(
    private readonly access: SecurityGroupAccess,
    private readonly network: NetworkAccess,
    private readonly urls: NetworkUrls,
  ) {}

  private get db() {
    return this.access.dataSource.manager;
  }

  private async view(group: SecurityGroup, fields?: string[]) {
    const rules = await this.access.rulesOf([group.id]);
    return pickFields(groupView(group, rules.get(group.id)!), fields);
  }

  async list(auth: AuthContext, query: QueryParams) {
    enforce(auth, 'network:get_security_group');
    if (auth.projectId) await ensureDefaultSecurityGroup(this.db, auth.projectId);
    const url = this.urls.collection('security-groups');
    const page = await listPage(this.access.groups(auth), query, url, FILTERS);
    const rules = await this.access.rulesOf(page.items.map((group) => group.id));
    return {
      security_groups: page.items.map((group) =>
        pickFields(groupView(group, rules.get(group.id)!), page.fields),
      ),
      ...(page.links.length > 0 && { security_groups_links: page.links }),
    };
  }

  async show(auth: AuthContext, id: string, query: QueryParams) {
    enforce(auth, 'network:get_security_group');
    return { security_group: await this.view(await this.access.group(auth, id), fieldsOf(query)) };
  }

  async create(auth: AuthContext, raw: unknown) {
    const { security_group: body } = validateBody<{ security_group: SecurityGroupBody }>(
      groupCreateSchema,
      raw,
      'neutron',
    );
    const projectId = this.network.owner(auth, body);
    enforce(auth, 'network:write_security_group', { projectId });
    if (body.name?.toLowerCase() === 'default') throw defaultAlreadyExists();
    const group = await this.db.transaction(async (tx) => {
      // Neutron counts the project's groups before it makes the default one (which the
      // security_group quota does not hold back), then the new group's two rules.
      await checkNetworkQuota(tx, projectId, { security_group: 1 });
      await ensureDefaultSecurityGroup(tx, projectId);
      await checkNetworkQuota(tx, projectId, { security_group_rule: EGRESS_ETHERTYPES.length });
      const created = await tx.getRepository(SecurityGroup).save({
        id: randomUUID(),
        projectId,
        name: body.name ?? '',
        description: body.description ?? '',
        stateful: body.stateful ?? true,
      });
      // Every new group lets everything out, as in Neutron.
      await tx.getRepository(SecurityGroupRule).insert(
        EGRESS_ETHERTYPES.map((ethertype) => ({
          id: randomUUID(),
          securityGroupId: created.id,
          projectId,
          direction: 'egress' as const,
          ethertype,
        })),
      );
      return tx.getRepository(SecurityGroup).findOneByOrFail({ id: created.id });
    });
    return { security_group: await this.view(group) };
  }

  async update(auth: AuthContext, id: string, raw: unknown) {
    const { security_group: body } = validateBody<{ security_group: SecurityGroupBody }>(
      groupUpdateSchema,
      raw,
      'neutron',
    );
    const group = await this.access.group(auth, id);
    enforce(auth, 'network:write_security_group', { projectId: group.projectId });
    if (body.name !== undefined && body.name !== group.name) {
      if (await isDefaultSecurityGroup(this.db, id)) throw cannotUpdateDefault();
      if (body.name.toLowerCase() === 'default') throw defaultAlreadyExists();
    }
    if (body.stateful !== undefined && body.stateful !== group.stateful && (await this.inUse(id))) {
      throw securityGroupInUse(id);
    }
    await updateRevised(this.db, SecurityGroup, id, {
      name: body.name,
      description: body.description,
      stateful: body.stateful,
    });
    return { security_group: await this.view(await this.access.group(auth, id)) };
  }

  async remove(auth: AuthContext, id: string) {
    const group = await this.access.group(auth, id);
    enforce(auth, 'network:write_security_group', { projectId: group.projectId });
    if (!isAdmin(auth) && (await isDefaultSecurityGroup(this.db, id))) throw cannotRemoveDefault();
    if (await this.inUse(id)) throw securityGroupInUse(id);
    await this.db
      .getRepository(SecurityGroup)
      .delete({ id })
      .catch((error: unknown) => {
        throw isForeignKeyViolation(error) ? securityGroupInUse(id) : error;
      });
  }

  private inUse(id: string): Promise<boolean> {
    return this.db.getRepository(SecurityGroupPortBinding).existsBy({ securityGroupId: id });
  }
}
