import { type EntityManager } from 'typeorm';
import { releaseAllocations } from './claims';

/**
 * The two claims of a move, as placement's migration-consumer allocations: while an instance
 * moves, the source's claim belongs to the migration and the destination's to the instance.
 * Each function is safe to run again: it looks at who holds what before it changes anything.
 */

/** The source's claim passes to the migration, so that the instance may claim its destination. */
export async function holdSourceForMigration(
  db: EntityManager,
  instanceUuid: string,
  migrationUuid: string,
): Promise<void> {
  await db.query(
    `UPDATE allocations SET consumer_id = $2
      WHERE consumer_id = $1 AND NOT EXISTS (SELECT 1 FROM allocations WHERE consumer_id = $2)`,
    [instanceUuid, migrationUuid],
  );
}

/**
 * A move that did not happen (failed, aborted, reverted): the destination's claim goes and the
 * source's comes back to the instance. Nothing happens when the migration holds nothing (it never
 * took the source's claim, or this ran already).
 */
export async function revertMoveClaims(
  db: EntityManager,
  instanceUuid: string,
  migrationUuid: string,
): Promise<void> {
  const held: unknown[] = await db.query('SELECT 1 FROM allocations WHERE consumer_id = $1', [migrationUuid]);
  if (held.length === 0) return;
  await releaseAllocations(db, instanceUuid);
  await db.query('UPDATE allocations SET consumer_id = $2 WHERE consumer_id = $1', [
    migrationUuid,
    instanceUuid,
  ]);
}

/** A move that is over (confirmed, completed, cleaned up after an evacuation): the source's claim goes. */
export function releaseSourceClaim(db: EntityManager, migrationUuid: string): Promise<void> {
  return releaseAllocations(db, migrationUuid);
}

/** Every claim the instance's migrations still hold (a deleted instance keeps none). */
export async function releaseMigrationClaims(db: EntityManager, instanceUuid: string): Promise<void> {
  const held: { consumer_id: string }[] = await db.query(
    `SELECT DISTINCT a.consumer_id FROM allocations a
       JOIN instance_migrations m ON m.uuid = a.consumer_id WHERE m.instance_uuid = $1`,
    [instanceUuid],
  );
  for (const { consumer_id } of held) await releaseAllocations(db, consumer_id);
}
