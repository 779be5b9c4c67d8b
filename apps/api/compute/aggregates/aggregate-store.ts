import { type EntityManager } from 'typeorm';

/** An aggregate with its hosts and metadata, as the API shows it. */
export interface AggregateRecord {
  id: number;
  uuid: string;
  name: string;
  createdAt: Date;
  updatedAt: Date | null;
  hosts: string[];
  metadata: Record<string, string>;
}

interface Row {
  id: number;
  uuid: string;
  name: string;
  created_at: Date;
  updated_at: Date | null;
  hosts: string[];
  metadata: Record<string, string>;
}

/** Every aggregate (or the one with `id`), hosts and metadata included, in one query. */
export async function loadAggregates(
  db: EntityManager,
  id?: number,
  lock = false,
): Promise<AggregateRecord[]> {
  const rows: Row[] = await db.query(
    `SELECT a.id, a.uuid, a.name, a.created_at, a.updated_at,
            coalesce((SELECT array_agg(h.host ORDER BY h.host) FROM aggregate_hosts h WHERE h.aggregate_id = a.id),
                     '{}') AS hosts,
            coalesce((SELECT jsonb_object_agg(m.key, m.value) FROM aggregate_metadata m WHERE m.aggregate_id = a.id),
                     '{}') AS metadata
       FROM aggregates a
      WHERE $1::int IS NULL OR a.id = $1
      ORDER BY a.id${lock ? ' FOR UPDATE OF a' : ''}`,
    [id ?? null],
  );
  return rows.map((row) => ({
    id: row.id,
    uuid: row.uuid,
    name: row.name,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    hosts: row.hosts,
    metadata: row.metadata,
  }));
}

/** Nova's update_metadata: a null value deletes its key, any other sets it. */
export async function writeMetadata(
  db: EntityManager,
  aggregateId: number,
  metadata: Record<string, string | null>,
): Promise<void> {
  const entries = Object.entries(metadata);
  const removed = entries.filter(([, value]) => value === null).map(([key]) => key);
  const set = entries.filter((entry): entry is [string, string] => entry[1] !== null);
  if (removed.length > 0) {
    await db.query('DELETE FROM aggregate_metadata WHERE aggregate_id = $1 AND key = ANY($2::varchar[])', [
      aggregateId,
      removed,
    ]);
  }
  if (set.length > 0) {
    await db.query(
      `INSERT INTO aggregate_metadata (aggregate_id, key, value)
       SELECT $1, key, value FROM unnest($2::varchar[], $3::varchar[]) AS m(key, value)
       ON CONFLICT (aggregate_id, key) DO UPDATE SET value = EXCLUDED.value`,
      [aggregateId, set.map(([key]) => key), set.map(([, value]) => value)],
    );
  }
  await db.query('UPDATE aggregates SET updated_at = now() WHERE id = $1', [aggregateId]);
}
