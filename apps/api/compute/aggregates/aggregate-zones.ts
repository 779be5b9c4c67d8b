import { type EntityManager } from 'typeorm';
import { badRequest } from '../../common/api-error';
import { type AggregateRecord } from './aggregate-store';

/** Python's repr of a list of strings, as Nova's messages print them. */
const pyList = (items: string[]) => `[${items.map((item) => `'${item}'`).join(', ')}]`;

/**
 * Nova's is_safe_to_update_az: an aggregate's availability_zone may not be empty, may not put a
 * host in two zones, and (when `checkInstances`) may not move hosts that run instances to another
 * zone. Returns the reason it is unsafe, or null; `metadata` is what is about to be written.
 */
export async function unsafeZoneChange(
  db: EntityManager,
  aggregate: AggregateRecord,
  metadata: Record<string, string | null | undefined>,
  hosts: string[],
  checkInstances: boolean,
): Promise<string | null> {
  if (!('availability_zone' in metadata)) return null;
  const zone = metadata.availability_zone;
  if (!zone) return `Aggregate ${aggregate.name} does not support empty named availability zone`;
  if (hosts.length === 0) return null;
  const others: { zone: string }[] = await db.query(
    `SELECT m.value AS zone FROM aggregate_metadata m
      WHERE m.key = 'availability_zone' AND m.aggregate_id <> $1 AND m.value <> $2
        AND EXISTS (SELECT 1 FROM aggregate_hosts h WHERE h.aggregate_id = m.aggregate_id AND h.host = ANY($3::varchar[]))
      ORDER BY m.aggregate_id`,
    [aggregate.id, zone, hosts],
  );
  if (others.length > 0) {
    return `One or more hosts already in availability zone(s) ${pyList(others.map((row) => row.zone))}`;
  }
  if (checkInstances && aggregate.metadata.availability_zone !== zone) {
    const [{ count }]: { count: number }[] = await db.query(
      'SELECT count(*)::int AS count FROM instances WHERE host = ANY($1::varchar[]) AND deleted_at IS NULL',
      [hosts],
    );
    if (count > 0) return 'One or more hosts contain instances in this zone';
  }
  return null;
}

/** Throws Nova's 400 for an unsafe zone change of update or set_metadata. */
export async function assertSafeZoneChange(
  db: EntityManager,
  aggregate: AggregateRecord,
  metadata: Record<string, string | null | undefined>,
  action: 'update' | 'set_metadata',
): Promise<void> {
  const reason = await unsafeZoneChange(db, aggregate, metadata, aggregate.hosts, true);
  if (!reason) return;
  const what = action === 'update' ? 'Cannot update aggregate' : 'Cannot update metadata of aggregate';
  throw badRequest(`${what} ${aggregate.id}. Reason: ${reason}.`);
}

/**
 * A compute service's zone follows its aggregates: writing the default zone to the hosts an
 * aggregate change touched lets the services trigger (migration 1764700000009) put back the zone
 * of any aggregate they are still in.
 */
export async function refreshHostZones(
  db: EntityManager,
  hosts: string[],
  defaultZone: string,
): Promise<void> {
  if (hosts.length === 0) return;
  await db.query(
    `UPDATE services SET zone = $2 WHERE "binary" = 'nova-compute' AND host = ANY($1::varchar[])`,
    [hosts, defaultZone],
  );
}
