import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { queueFirewallSync } from '../../../../common/compute/security-group-events';
import { checkNetworkQuota } from '../../../../common/network/network-quotas';
import { updateRevised } from '../../../../common/network/revisions';
import { ruleExists } from '../../../../common/network/security-group-errors';
import { isUniqueViolation } from '../../../../common/db-errors';
import { SecurityGroupRule } from '../../../../entities';
import { type AuthContext } from '../../common/auth/auth-context';
import { enforce } from '../../common/policy';
import { validateBody } from '../../common/validation';
import { WorkflowStarter } from '../../common/workflow-starter';
import { fieldsOf, type Filters, listPage, pickFields, type QueryParams } from '../list-query';
import { NetworkAccess } from '../network-access';
import { NetworkUrls } from '../network-urls';
import { ruleValues, type RuleValues } from './rule-values';
import { SecurityGroupAccess } from './security-group-access';
import { ruleView } from './security-group-views';
import { type RuleBody, ruleCreateSchema, ruleUpdateSchema } from './security-group.schemas';

/** Rules have Neutron's standard attributes but a name. */
export const FILTERS: Filters = {
  id: { property: 'id', type: 'uuid' },
  description: { property: 'description', type: 'string' },
  project_id: { property: 'projectId', type: 'string' },
  tenant_id: { property: 'projectId', type: 'string' },
  revision_number: { property: 'revisionNumber', type: 'integer' },
  security_group_id: { property: 'securityGroupId', type: 'uuid' },
  direction: { property: 'direction', type: 'string' },
  ethertype: { property: 'ethertype', type: 'string' },
  protocol: { property: 'protocol', type: 'string' },
  port_range_min: { property: 'portRangeMin', type: 'integer' },
  port_range_max: { property: 'portRangeMax', type: 'integer' },
  // Neutron compares the stored text: a filter finds a prefix as it was given.
  remote_ip_prefix: { property: 'remoteIpPrefix', type: 'string' },
  remote_group_id: { property: 'remoteGroupId', type: 'uuid' },
};

/** /v2.0/security-group-rules: a rule belongs to a group the caller may change. */
@Injectable()
export class SecurityGroupRulesService {
  constructor(
    private readonly access: SecurityGroupAccess,
    private readonly network: NetworkAccess,
    private readonly urls: NetworkUrls,
    private readonly workflows: WorkflowStarter,
  ) {}

  private get db() {
    return this.access.dataSource.manager;
  }

  async list(auth: AuthContext, query: QueryParams) {
    enforce(auth, 'network:get_security_group');
    const url = this.urls.collection('security-group-rules');
    const page = await listPage(this.access.rules(auth), query, url, FILTERS);
    return {
      security_group_rules: page.items.map((rule) => pickFields(ruleView(rule), page.fields)),
      ...(page.links.length > 0 && { security_group_rules_links: page.links }),
    };
  }

  async show(auth: AuthContext, id: string, query: QueryParams) {
    enforce(auth, 'network:get_security_group');
    return { security_group_rule: pickFields(ruleView(await this.access.rule(auth, id)), fieldsOf(query)) };
  }

  async create(auth: AuthContext, raw: unknown) {
    const { security_group_rule: body } = validateBody<{ security_group_rule: RuleBody }>(
      ruleCreateSchema,
      raw,
      'neutron',
    );
    const values = ruleValues(body);
    const group = await this.access.group(auth, body.security_group_id);
    enforce(auth, 'network:write_security_group', { projectId: group.projectId });
    const remoteGroupId = body.remote_group_id
      ? (await this.access.group(auth, body.remote_group_id)).id
      : null;
    const owned = body.project_id !== undefined || body.tenant_id !== undefined;
    const rule = this.db.getRepository(SecurityGroupRule).create({
      ...values,
      id: randomUUID(),
      securityGroupId: group.id,
      projectId: owned ? this.network.owner(auth, body) : group.projectId,
      description: body.description ?? '',
      remoteGroupId,
    });
    // The member servers' hosts are told in the transaction that adds the rule (see queueFirewallSync).
    const launches = await this.db
      .transaction(async (tx) => {
        await checkNetworkQuota(tx, rule.projectId, { security_group_rule: 1 });
        await tx.getRepository(SecurityGroupRule).insert(rule);
        return queueFirewallSync(tx, { ruleGroupIds: [group.id] });
      })
      .catch(async (error: unknown) => {
        if (!isUniqueViolation(error)) throw error;
        throw ruleExists(await this.duplicateOf(group.id, values, remoteGroupId));
      });
    for (const launch of launches) await this.workflows.start(launch);
    const created = await this.db.getRepository(SecurityGroupRule).findOneByOrFail({ id: rule.id });
    return { security_group_rule: ruleView(created) };
  }

  async update(auth: AuthContext, id: string, raw: unknown) {
    const { security_group_rule: body } = validateBody<{ security_group_rule: { description?: string } }>(
      ruleUpdateSchema,
      raw,
      'neutron',
    );
    const rule = await this.access.rule(auth, id);
    enforce(auth, 'network:write_security_group', { projectId: rule.projectId });
    await updateRevised(this.db, SecurityGroupRule, id, { description: body.description });
    return { security_group_rule: ruleView(await this.access.rule(auth, id)) };
  }

  async remove(auth: AuthContext, id: string) {
    const rule = await this.access.rule(auth, id);
    enforce(auth, 'network:write_security_group', { projectId: rule.projectId });
    const launches = await this.db.transaction(async (tx) => {
      await tx.getRepository(SecurityGroupRule).delete({ id });
      return queueFirewallSync(tx, { ruleGroupIds: [rule.securityGroupId] });
    });
    for (const launch of launches) await this.workflows.start(launch);
  }

  /** The existing rule a duplicate collided with, matched as the unique index matches. */
  private async duplicateOf(groupId: string, values: RuleValues, remoteGroupId: string | null) {
    const everything = ['0.0.0.0/0', '::/0'];
    const prefix =
      values.remoteIpPrefix && !everything.includes(values.remoteIpPrefix) ? values.remoteIpPrefix : null;
    const [row]: { id: string }[] = await this.db.query(
      `SELECT id FROM security_group_rules
        WHERE security_group_id = $1 AND direction = $2 AND ethertype = $3
          AND protocol IS NOT DISTINCT FROM $4 AND port_range_min IS NOT DISTINCT FROM $5
          AND port_range_max IS NOT DISTINCT FROM $6 AND remote_group_id IS NOT DISTINCT FROM $7
          AND NULLIF(NULLIF(remote_ip_prefix::text, '0.0.0.0/0'), '::/0') IS NOT DISTINCT FROM $8`,
      [
        groupId,
        values.direction,
        values.ethertype,
        values.protocol,
        values.portRangeMin,
        values.portRangeMax,
        remoteGroupId,
        prefix,
      ],
    );
    return row?.id ?? '';
  }
}
