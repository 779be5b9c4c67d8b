import { type EntityManager } from 'typeorm';
import { type HostState, type Resources } from './host-state';

/**
 * Writes the consumer's allocation on the node if the node's row passes `condition` (parameters
 * from $6 on), moving its generation on; false when it does not.
 */
async function claimWhere(
  db: EntityManager,
  consumerId: string,
  host: HostState,
  resources: Resources,
  condition: string,
  conditionParameters: unknown[] = [],
): Promise<boolean> {
  const claimed = await db.query(
    `WITH node AS (
       UPDATE compute_nodes SET generation = generation + 1 WHERE id = $1 AND ${condition} RETURNING id
     )
     INSERT INTO allocations (consumer_id, compute_node_id, vcpus, memory_mb, disk_gb)
     SELECT $2, id, $3, $4, $5 FROM node
     RETURNING consumer_id`,
    [
      host.computeNodeId,
      consumerId,
      resources.vcpus,
      resources.memoryMb,
      resources.diskGb,
      ...conditionParameters,
    ],
  );
  return claimed.length > 0;
}

/**
 * Claims `resources` on a node for a consumer, as placement does: the allocation is written only
 * if the node's generation is still the one the scheduler read, and the generation moves on, so
 * two schedulers that read the same state cannot both fill the last slot. Returns false on a
 * generation conflict (re-read and try again).
 */
export function claimOnNode(
  db: EntityManager,
  consumerId: string,
  host: HostState,
  resources: Resources,
): Promise<boolean> {
  return claimWhere(db, consumerId, host, resources, 'generation = $6', [host.generation]);
}

/**
 * Claims `resources` on a node if it still has room for them, by its usage summary, whatever
 * else claimed there since the scheduler read it. Claims on one node queue on its row lock, and
 * each sees the free capacity the one before it left (PostgreSQL re-checks the condition on the
 * row's latest version), so concurrent placements onto a few nodes do not lose races and read
 * again; they fail only when the room is gone. It suits a request whose filters depend on the
 * node's own state alone; a server group's do not (another member may have just landed there),
 * so those claim on the generation (claimOnNode). The generation still moves on.
 */
export function claimIfRoom(
  db: EntityManager,
  consumerId: string,
  host: HostState,
  resources: Resources,
): Promise<boolean> {
  return claimWhere(
    db,
    consumerId,
    host,
    resources,
    'free_vcpus >= $3 AND free_memory_mb >= $4 AND free_disk_gb >= $5',
  );
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
