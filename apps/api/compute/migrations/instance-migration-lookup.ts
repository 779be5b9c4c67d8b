import { type EntityManager } from 'typeorm';
import { InstanceMigration } from '../../../../entities';

/** The largest value of a serial column: an id past it names no migration. */
const MAX_SERIAL = 2 ** 31 - 1;

/**
 * Nova's Migration.get_by_id_and_instance: the migration `id` (as the path gives it) of the
 * instance, whatever its type and status; null when there is none. `lock` holds the row for the
 * rest of the caller's transaction.
 */
export async function migrationOfInstance(
  db: EntityManager,
  id: string,
  instanceUuid: string,
  lock = false,
): Promise<InstanceMigration | null> {
  if (!/^\d+$/.test(id) || Number(id) > MAX_SERIAL) return null;
  const builder = db
    .getRepository(InstanceMigration)
    .createQueryBuilder('m')
    .where('m.id = :id AND m.instance_uuid = :instanceUuid AND m.deleted_at IS NULL', {
      id: Number(id),
      instanceUuid,
    });
  if (lock) builder.setLock('pessimistic_write');
  return builder.getOne();
}
