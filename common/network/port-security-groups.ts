import { type EntityManager, In } from 'typeorm';
import { ApiError } from '../../apps/api/common/api-error';
import { SecurityGroup, SecurityGroupPortBinding } from '../../entities/security-group.entities';
import { isUuid } from '../uuid';
import { ensureDefaultSecurityGroup } from './default-security-group';
import { ruleBadRequest, securityGroupNotFound } from './security-group-errors';

const portSecurityRequired = () =>
  ruleBadRequest(
    'Port security must be enabled and port must have an IP address in order to use security groups.',
    'PortSecurityAndIPRequiredForSecurityGroups',
  );

/** neutron-lib's PortSecurityPortHasSecurityGroup: port security off while groups remain. */
export const portHasSecurityGroup = () =>
  new ApiError(
    'conflictingRequest',
    'Port has security group associated. Cannot disable port security or ip address until security group is removed',
    'PortSecurityPortHasSecurityGroup',
  );

/** A body's security_groups as neutron-lib's uuid_list validator checks it: no duplicates, all UUIDs. */
export function checkSecurityGroupList(ids: string[]): void {
  const duplicates = [...new Set(ids.filter((id, index) => ids.indexOf(id) !== index))];
  const reason =
    duplicates.length > 0
      ? `Duplicate items in the list: '${duplicates.join(', ')}'`
      : ids
          .filter((id) => !isUuid(id))
          .slice(0, 1)
          .map((id) => `'${id}' is not a valid UUID`)[0];
  if (reason) throw new ApiError('badRequest', `Invalid input for security_groups. Reason: ${reason}.`);
}

/**
 * Neutron's _get_security_groups_on_port: every group must exist and be the port's project's,
 * unless the caller is the admin; the missing ones are one 404.
 */
async function checkUsable(
  db: EntityManager,
  projectId: string,
  ids: string[],
  anyProject: boolean,
): Promise<void> {
  if (ids.length === 0) return;
  const found = await db.getRepository(SecurityGroup).findBy({ id: In(ids.filter(isUuid)) });
  const usable = new Set(found.filter((g) => anyProject || g.projectId === projectId).map((g) => g.id));
  const missing = ids.filter((id) => !usable.has(id));
  if (missing.length > 0) throw securityGroupNotFound(missing.join(', '));
}

/**
 * The groups a new port joins: those asked for, else the project's default one; none when port
 * security is off, and asking for some then is Neutron's PortSecurityAndIPRequiredForSecurityGroups.
 */
export async function portSecurityGroups(
  db: EntityManager,
  projectId: string,
  portSecurityEnabled: boolean,
  requested: string[] | undefined,
  anyProject = false,
): Promise<string[]> {
  if (!portSecurityEnabled) {
    if (requested && requested.length > 0) throw portSecurityRequired();
    return [];
  }
  if (!requested) return [await ensureDefaultSecurityGroup(db, projectId)];
  const ids = [...new Set(requested)];
  await checkUsable(db, projectId, ids, anyProject);
  return ids;
}

/**
 * A port update's security_groups, as ML2 checks it against the port as updated: with port
 * security off, naming groups is a 400 and keeping some a 409; otherwise the list replaces the
 * port's groups. `requested` undefined leaves them as they are. In the caller's transaction.
 */
export async function updatePortSecurityGroups(
  db: EntityManager,
  port: { id: string; projectId: string; portSecurityEnabled: boolean },
  requested: string[] | undefined,
  anyProject: boolean,
): Promise<void> {
  if (!port.portSecurityEnabled) {
    if (requested && requested.length > 0) throw portSecurityRequired();
    if (requested === undefined) {
      if (await db.getRepository(SecurityGroupPortBinding).existsBy({ portId: port.id })) {
        throw portHasSecurityGroup();
      }
      return;
    }
  }
  if (requested === undefined) return;
  await checkUsable(db, port.projectId, requested, anyProject);
  await setPortSecurityGroups(db, port.id, requested);
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
