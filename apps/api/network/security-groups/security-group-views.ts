import { type SecurityGroup, type SecurityGroupRule } from '../../../../entities';
import { timestamp } from '../network-views';

/** Neutron's JSON for a security group rule. */
export function ruleView(rule: SecurityGroupRule) {
  return {
    id: rule.id,
    security_group_id: rule.securityGroupId,
    direction: rule.direction,
    ethertype: rule.ethertype,
    protocol: rule.protocol,
    port_range_min: rule.portRangeMin,
    port_range_max: rule.portRangeMax,
    remote_ip_prefix: rule.remoteIpPrefix,
    remote_group_id: rule.remoteGroupId,
    remote_address_group_id: null,
    description: rule.description,
    tenant_id: rule.projectId,
    project_id: rule.projectId,
    created_at: timestamp(rule.createdAt),
    updated_at: timestamp(rule.updatedAt),
    revision_number: rule.revisionNumber,
  };
}

/** Neutron's JSON for a security group, its rules inside. */
export function groupView(group: SecurityGroup, rules: SecurityGroupRule[]) {
  return {
    id: group.id,
    name: group.name,
    description: group.description,
    stateful: group.stateful,
    security_group_rules: rules.map(ruleView),
    tenant_id: group.projectId,
    project_id: group.projectId,
    tags: group.tags,
    created_at: timestamp(group.createdAt),
    updated_at: timestamp(group.updatedAt),
    revision_number: group.revisionNumber,
  };
}
