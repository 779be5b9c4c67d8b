import { type EntityManager } from 'typeorm';
import { type HostState, type Resources } from './host-state';

/**
 * Claims `resources` on a node for a consumer, as placement does: the allocation is written only
 * if the node's generation is still the one the scheduler read, and the generation moves on, so
 * two schedulers that read the same state cannot both fill the last slot. Returns false on a
 * generation conflict (re-read and try again).
 */
export async function claimOnNode(
  db: EntityManager,
  consumerId: string,
  host: HostState,
  resources: Resources,
): Promise<boolean> {
  const claimed = await db.query(
    `WITH node AS (
       UPDATE compute_nodes SET generation = generation + 1 WHERE id = $1 AND generation = $2 RETURNING id
     )
     INSERT INTO allocations (consumer_id, compute_node_id, vcpus, memory_mb, disk_gb)
     SELECT $3, id, $4, $5, $6 FROM node
     RETURNING consumer_id`,
    [host.computeNodeId, host.generation, consumerId, resources.vcpus, resources.memoryMb, resources.diskGb],
  );
  return claimed.length > 0;
}

/** The node a consumer already holds an allocation on, if any (a retried claim finds its own). */
export async function existingClaim(db: EntityManager, consumerId: string): Promise<number | undefined> {
  const rows: { compute_node_id: number }[] = await db.query(
    'SELECT compute_node_id FROM allocations WHERE consumer_id = $1 LIMIT 1',
    [consumerId],
  );
  return rows[0]?.compute_node_id;
}

/** Drops a consumer's allocations (on one node, or everywhere) and moves those nodes' generations on. */
export async function releaseAllocations(
  db: EntityManager,
  consumerId: string,
  computeNodeId?: number,
): Promise<void> {
  await db.query(
    `WITH released AS (
       DELETE FROM allocations WHERE consumer_id = $1 AND ($2::int IS NULL OR compute_node_id = $2)
       RETURNING compute_node_id
     )
     UPDATE compute_nodes SET generation = generation + 1 WHERE id IN (SELECT compute_node_id FROM released)`,
    [consumerId, computeNodeId ?? null],
  );
}
