import { Injectable } from '@nestjs/common';
import { DataSource, type SelectQueryBuilder } from 'typeorm';
import {
  securityGroupNotFound,
  securityGroupRuleNotFound,
} from '../../../../common/network/security-group-errors';
import { isUuid } from '../../../../common/uuid';
import { SecurityGroup, SecurityGroupRule } from '../../../../entities';
import { type AuthContext, isAdmin } from '../../common/auth/auth-context';

/**
 * What a caller may see of security groups, as Neutron's default policy has it: the admin sees
 * every group; a project sees its own groups and the rules in them. Anything else is a 404.
 */
@Injectable()
export class SecurityGroupAccess {
  constructor(readonly dataSource: DataSource) {}

  groups(auth: AuthContext): SelectQueryBuilder<SecurityGroup> {
    const qb = this.dataSource.getRepository(SecurityGroup).createQueryBuilder('sg');
    return isAdmin(auth) ? qb : qb.where('sg.projectId = :projectId', { projectId: auth.projectId });
  }

  rules(auth: AuthContext): SelectQueryBuilder<SecurityGroupRule> {
    const qb = this.dataSource.getRepository(SecurityGroupRule).createQueryBuilder('rule');
    if (isAdmin(auth)) return qb;
    return qb.where(
      `(rule.projectId = :projectId OR rule.securityGroupId IN
        (SELECT id FROM security_groups WHERE project_id = :projectId))`,
      { projectId: auth.projectId },
    );
  }

  async group(auth: AuthContext, id: string): Promise<SecurityGroup> {
    const found = isUuid(id) && (await this.groups(auth).andWhere('sg.id = :id', { id }).getOne());
    if (!found) throw securityGroupNotFound(id);
    return found;
  }

  async rule(auth: AuthContext, id: string): Promise<SecurityGroupRule> {
    const found = isUuid(id) && (await this.rules(auth).andWhere('rule.id = :id', { id }).getOne());
    if (!found) throw securityGroupRuleNotFound(id);
    return found;
  }

  /** Each group's rules, oldest first, in one query. */
  async rulesOf(groupIds: string[]): Promise<Map<string, SecurityGroupRule[]>> {
    const byGroup = new Map(groupIds.map((id) => [id, [] as SecurityGroupRule[]]));
    if (groupIds.length === 0) return byGroup;
    const rules = await this.dataSource
      .getRepository(SecurityGroupRule)
      .createQueryBuilder('rule')
      .where('rule.securityGroupId IN (:...groupIds)', { groupIds })
      .orderBy('rule.createdAt')
      .addOrderBy('rule.id')
      .getMany();
    for (const rule of rules) byGroup.get(rule.securityGroupId)?.push(rule);
    return byGroup;
  }
}
