import { type EntityManager } from 'typeorm';
import { SecurityGroup } from '../../entities/security-group.entities';
import { isUuid } from '../uuid';

export type GroupLookup = { id: string } | 'not-found' | 'ambiguous';

/**
 * python-neutronclient's find_resourceid_by_name_or_id, which Nova resolves a group with: an id
 * the caller can see (the admin sees every group), else a name within the caller's project.
 */
export async function findSecurityGroup(
  db: EntityManager,
  nameOrId: string,
  caller: { projectId: string; admin: boolean },
): Promise<GroupLookup> {
  const groups = db.getRepository(SecurityGroup);
  if (isUuid(nameOrId)) {
    const byId = await groups.findOneBy({ id: nameOrId });
    if (byId && (caller.admin || byId.projectId === caller.projectId)) return { id: byId.id };
  }
  const byName = await groups.find({ where: { name: nameOrId, projectId: caller.projectId }, take: 2 });
  if (byName.length > 1) return 'ambiguous';
  return byName.length === 1 ? { id: byName[0].id } : 'not-found';
}

/** neutronclient's words for an ambiguous name, which Nova passes on as its 409. */
export const ambiguousGroupMessage = (name: string) =>
  `Multiple security_group matches found for name '${name}', use an ID to be more specific.`;
