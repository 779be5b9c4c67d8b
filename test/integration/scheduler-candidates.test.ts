import { randomUUID } from 'node:crypto';
import { type DataSource } from 'typeorm';
import { claimIfRoom, claimOnNode, releaseAllocations } from '../../activities/conductor/scheduler/claims';
import { type HostState } from '../../activities/conductor/scheduler/host-state';
import {
  type CandidateQuery,
  candidatesSql,
  loadCandidates,
} from '../../activities/conductor/scheduler/load-host-states';
import { holdSourceForMigration } from '../../activities/conductor/scheduler/move-claims';
import { createDataSource } from '../../entities/data-source';
import { loadComputeNodes } from '../../bench/scheduler-cloud';
import { createTestDatabase, dropTestDatabase } from '../support/databases';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}
const scansOf = (node: PlanNode): PlanNode[] => [
  ...(node['Relation Name'] ? [node] : []),
  ...(node.Plans ?? []).flatMap(scansOf),
];

const NODES = 10_000;
const DOWN_TIME = 86_400;
const boot: CandidateQuery = {
  resources: { vcpus: 2, memoryMb: 4096, diskGb: 40 },
  liveOnly: true,
  ignoreHosts: [],
  mostFreeRamFirst: true,
  limit: 1000,
};
const freeRam = (host: HostState) =>
  Math.floor((host.memoryMb.total - host.memoryMb.reserved) * host.memoryMb.allocationRatio) -
  host.memoryMb.used;

/**
 * The scheduler's candidate query on a cloud of 10,000 compute nodes with 200,000 allocations:
 * the plan PostgreSQL picks for it, and the usage summary it reads, which the allocations'
 * trigger keeps.
 */
describe('scheduler candidates at 10,000 nodes', () => {
  const server = process.env.DATABASE_URL!;
  let database: { url: string; name: string };
  let db: DataSource;

  beforeAll(async () => {
    database = await createTestDatabase(server);
    db = await createDataSource(database.url, { poolSize: 2 }).initialize();
    await loadComputeNodes(db, NODES);
  });

  afterAll(async () => {
    await db?.destroy();
    if (database) await dropTestDatabase(server, database.name);
  });

  it('walks the free-RAM index, reading neither every node nor any allocation', async () => {
    const [sql, parameters] = candidatesSql(DOWN_TIME, boot);
    const [{ 'QUERY PLAN': plan }]: { 'QUERY PLAN': { Plan: PlanNode }[] }[] = await db.query(
      `EXPLAIN (FORMAT JSON) ${sql}`,
      parameters,
    );
    const scans = scansOf(plan[0].Plan).map((scan) => ({
      type: scan['Node Type'],
      table: scan['Relation Name'],
      index: scan['Index Name'],
    }));
    expect(scans).toContainEqual({
      type: 'Index Scan',
      table: 'compute_nodes',
      index: 'compute_nodes_free_memory',
    });
    expect(scans.filter((scan) => scan.table === 'allocations' || scan.type === 'Seq Scan')).toEqual([]);
  });

  it('returns at most the limit, the live nodes with room and most free RAM, in host order', async () => {
    const candidates = await loadCandidates(db.manager, DOWN_TIME, boot, false);
    expect(candidates).toHaveLength(1000);
    expect(candidates.map((c) => c.host)).toEqual([...candidates.map((c) => c.host)].sort());
    expect(candidates.every((c) => c.serviceUp && !c.serviceDisabled)).toBe(true);
    // No live node left out has more free RAM than the least of those chosen.
    const [{ better }]: { better: number }[] = await db.query(
      `SELECT count(*)::int AS better FROM compute_nodes n JOIN services s ON s.id = n.service_id
        WHERE NOT s.disabled AND NOT s.forced_down AND n.free_vcpus >= 2 AND n.free_disk_gb >= 40
          AND n.free_memory_mb > $1 AND n.id <> ALL($2::int[])`,
      [Math.min(...candidates.map(freeRam)), candidates.map((c) => c.computeNodeId)],
    );
    expect(better).toBe(0);
    const zoned = await loadCandidates(
      db.manager,
      DOWN_TIME,
      { ...boot, availabilityZone: 'az2', limit: 10 },
      false,
    );
    expect(zoned.map((c) => c.availabilityZone)).toEqual(Array(10).fill('az2'));
  });

  it('keeps each node’s allocated sums equal to its allocations through claims, moves and releases', async () => {
    const mismatches = () =>
      db.query(
        `SELECT n.id FROM compute_nodes n
           LEFT JOIN (SELECT compute_node_id, sum(vcpus) v, sum(memory_mb) m, sum(disk_gb) d
                        FROM allocations GROUP BY compute_node_id) a ON a.compute_node_id = n.id
          WHERE (n.allocated_vcpus, n.allocated_memory_mb, n.allocated_disk_gb)
                <> (coalesce(a.v, 0), coalesce(a.m, 0), coalesce(a.d, 0))`,
      );
    expect(await mismatches()).toEqual([]);

    const [node] = await loadCandidates(db.manager, DOWN_TIME, { ...boot, limit: 1 }, false);
    const instance = randomUUID();
    expect(await claimOnNode(db.manager, instance, node, { vcpus: 3, memoryMb: 5000, diskGb: 7 })).toBe(true);
    const [after] = await loadCandidates(db.manager, DOWN_TIME, { ...boot, onlyHost: node.host }, false);
    expect([after.vcpus.used, after.memoryMb.used, after.diskGb.used]).toEqual([
      node.vcpus.used + 3,
      node.memoryMb.used + 5000,
      node.diskGb.used + 7,
    ]);
    // A stale generation claims nothing and changes no sum.
    expect(await claimOnNode(db.manager, randomUUID(), node, { vcpus: 1, memoryMb: 1, diskGb: 1 })).toBe(
      false,
    );
    const migration = randomUUID();
    await holdSourceForMigration(db.manager, instance, migration);
    expect(await mismatches()).toEqual([]);
    await releaseAllocations(db.manager, migration);
    const [released] = await loadCandidates(db.manager, DOWN_TIME, { ...boot, onlyHost: node.host }, false);
    expect(released.memoryMb.used).toBe(node.memoryMb.used);
    expect(await mismatches()).toEqual([]);
  });

  it('lets concurrent claims on one node fill exactly its room, none refused while room is left', async () => {
    const [node] = await loadCandidates(db.manager, DOWN_TIME, { ...boot, limit: 1 }, false);
    const free =
      Math.floor((node.vcpus.total - node.vcpus.reserved) * node.vcpus.allocationRatio) - node.vcpus.used;
    const slot = { vcpus: Math.ceil(free / 5), memoryMb: 1, diskGb: 1 };
    const room = Math.floor(free / slot.vcpus);
    // Twice as many as fit, all from the same (soon stale) read, each in its own transaction.
    const consumers = Array.from({ length: room * 2 }, () => randomUUID());
    const wide = await createDataSource(database.url, { poolSize: consumers.length }).initialize();
    try {
      const claimed = await Promise.all(
        consumers.map((consumer) => wide.transaction((tx) => claimIfRoom(tx, consumer, node, slot))),
      );
      expect(claimed.filter(Boolean)).toHaveLength(room);
    } finally {
      await wide.destroy();
    }
    const [usage]: { allocated: number; summed: number }[] = await db.query(
      `SELECT n.allocated_vcpus AS allocated,
              (SELECT coalesce(sum(vcpus), 0)::int FROM allocations WHERE compute_node_id = n.id) AS summed
         FROM compute_nodes n WHERE n.id = $1`,
      [node.computeNodeId],
    );
    const filled = node.vcpus.used + room * slot.vcpus;
    expect(usage).toEqual({ allocated: filled, summed: filled });
    for (const consumer of consumers) await releaseAllocations(db.manager, consumer);
  });
});
