import { type EntityManager } from 'typeorm';
import { SecurityGroupPortBinding } from '../../entities/security-group.entities';
import { ensureDefaultSecurityGroup } from './default-security-group';
import { ruleBadRequest } from './security-group-errors';

/**
 * The groups a new port joins: those asked for, else the project's default one; none when port
 * security is off, and asking for some then is Neutron's PortSecurityAndIPRequiredForSecurityGroups.
 */
export async function portSecurityGroups(
  db: EntityManager,
  projectId: string,
  portSecurityEnabled: boolean,
  requested: string[] | undefined,
): Promise<string[]> {
  if (!portSecurityEnabled) {
    if (requested && requested.length > 0) {
      throw ruleBadRequest(
        'Port security must be enabled and port must have an IP address in order to use security groups.',
        'PortSecurityAndIPRequiredForSecurityGroups',
      );
    }
    return [];
  }
  return requested ? [...new Set(requested)] : [await ensureDefaultSecurityGroup(db, projectId)];
}

/** Makes the port a member of exactly `groupIds`, in the caller's transaction. */
export async function setPortSecurityGroups(
  db: EntityManager,
  portId: string,
  groupIds: string[],
): Promise<void> {
  const bindings = db.getRepository(SecurityGroupPortBinding);
  await bindings.delete({ portId });
  if (groupIds.length > 0) {
    await bindings.insert(groupIds.map((securityGroupId) => ({ portId, securityGroupId })));
  }
}

/** Each port's groups, in one query. */
export async function securityGroupsOf(db: EntityManager, portIds: string[]): Promise<Map<string, string[]>> {
  const byPort = new Map(portIds.map((id) => [id, [] as string[]]));
  if (portIds.length === 0) return byPort;
  const rows = await db
    .getRepository(SecurityGroupPortBinding)
    .createQueryBuilder('b')
    .where('b.portId IN (:...portIds)', { portIds })
    .orderBy('b.securityGroupId')
    .getMany();
  for (const row of rows) byPort.get(row.portId)?.push(row.securityGroupId);
  return byPort;
}
