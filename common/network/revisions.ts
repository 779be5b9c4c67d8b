import { type EntityManager, type EntityTarget, type ObjectLiteral } from 'typeorm';
import { type QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';

/**
 * Writes changes to one network, subnet or port with Neutron's standard attributes kept:
 * revision_number goes up by one and updated_at becomes now. Undefined changes are no changes.
 */
export async function updateRevised<T extends ObjectLiteral>(
  db: EntityManager,
  entity: EntityTarget<T>,
  id: string,
  changes: QueryDeepPartialEntity<T>,
): Promise<void> {
  const given = Object.entries(changes).filter(([, value]) => value !== undefined);
  await db.getRepository(entity).update(id, {
    ...Object.fromEntries(given),
    revisionNumber: () => 'revision_number + 1',
  } as QueryDeepPartialEntity<T>);
}
