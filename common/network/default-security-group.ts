import { randomUUID } from 'node:crypto';
import { type EntityManager } from 'typeorm';
import {
  DefaultSecurityGroup,
  type EtherType,
  type RuleDirection,
  SecurityGroup,
  SecurityGroupRule,
} from '../../entities/security-group.entities';
import { checkNetworkQuota, lockNetworkQuota } from './network-quotas';

/** Neutron's rules of a new default group: anything out, and in only from members of the group. */
const DEFAULT_RULES: [RuleDirection, EtherType, 'self' | null][] = [
  ['egress', 'IPv4', null],
  ['egress', 'IPv6', null],
  ['ingress', 'IPv4', 'self'],
  ['ingress', 'IPv6', 'self'],
];

const lookup = (db: EntityManager, projectId: string) =>
  db.getRepository(DefaultSecurityGroup).findOneBy({ projectId });

/**
 * The id of the project's `default` group, created with its rules on first use (a list of groups
 * or a first port), as Neutron does. Two first uses at once create one group: the second waits on
 * the project's network quota lock (held to the end of the caller's transaction) and finds the
 * first's. As in Neutron the group itself is not held to the security_group quota, but its four
 * rules are to the security_group_rule one.
 */
export async function ensureDefaultSecurityGroup(db: EntityManager, projectId: string): Promise<string> {
  const known = await lookup(db, projectId);
  if (known) return known.securityGroupId;
  return db.transaction(async (tx) => {
    await lockNetworkQuota(tx, projectId);
    const created = await lookup(tx, projectId);
    if (created) return created.securityGroupId;
    await checkNetworkQuota(tx, projectId, { security_group_rule: DEFAULT_RULES.length });
    const group = await tx.getRepository(SecurityGroup).save({
      id: randomUUID(),
      projectId,
      name: 'default',
      description: 'Default security group',
    });
    await tx.getRepository(SecurityGroupRule).insert(
      DEFAULT_RULES.map(([direction, ethertype, remote]) => ({
        id: randomUUID(),
        securityGroupId: group.id,
        projectId,
        direction,
        ethertype,
        remoteGroupId: remote && group.id,
      })),
    );
    await tx.getRepository(DefaultSecurityGroup).insert({ projectId, securityGroupId: group.id });
    return group.id;
  });
}

/** Whether `groupId` is some project's default group. */
export async function isDefaultSecurityGroup(db: EntityManager, groupId: string): Promise<boolean> {
  return db.getRepository(DefaultSecurityGroup).existsBy({ securityGroupId: groupId });
}
