import { type EntityManager } from 'typeorm';
import { type HostState, type Resources } from './host-state';

interface Row {
  id: number;
  host: string;
  hypervisor_hostname: string;
  generation: number;
  hypervisor_type: string;
  hypervisor_version: number;
  cpu_arch: string;
  vcpus: number;
  memory_mb: number;
  local_gb: number;
  cpu_allocation_ratio: number;
  ram_allocation_ratio: number;
  disk_allocation_ratio: number;
  reserved_host_cpus: number;
  reserved_host_memory_mb: number;
  reserved_host_disk_mb: number;
  allocated_vcpus: number;
  allocated_memory_mb: number;
  allocated_disk_gb: number;
  zone: string;
  disabled: boolean;
  up: boolean;
}

/** A node's inventory, its usage summary (compute_nodes.allocated_*), and its service's liveness. */
const HOST_STATE_COLUMNS = `
  n.id, n.host, n.hypervisor_hostname, n.generation, n.hypervisor_type, n.hypervisor_version, n.cpu_arch,
  n.vcpus, n.memory_mb, n.local_gb, n.cpu_allocation_ratio, n.ram_allocation_ratio, n.disk_allocation_ratio,
  n.reserved_host_cpus, n.reserved_host_memory_mb, n.reserved_host_disk_mb,
  n.allocated_vcpus, n.allocated_memory_mb, n.allocated_disk_gb, s.zone, s.disabled`;

const serviceUp = (downTimeParam: string) =>
  `(NOT s.forced_down AND s.last_seen_up > now() - make_interval(secs => ${downTimeParam}))`;

/** What placement's allocation-candidates query is asked, and the prefilters Nova runs in it. */
export interface CandidateQuery {
  resources: Resources;
  /** Only up, enabled services (the ComputeFilter's question, asked in SQL). */
  liveOnly: boolean;
  /** Only services in this zone (the AvailabilityZoneFilter's). */
  availabilityZone?: string;
  /** Only this host (a requested or forced destination). */
  onlyHost?: string;
  ignoreHosts: string[];
  /** Most free RAM first, as the RAM weigher spreads, or least, as it stacks. */
  mostFreeRamFirst: boolean;
  /** Nova's [scheduler] max_placement_results. */
  limit: number;
}

/**
 * The candidate nodes as SQL and parameters: nodes with room for the request by their stored free
 * capacity, prefiltered, walked along compute_nodes_free_memory in the RAM weigher's order and cut
 * at the limit, so that one decision reads at most `limit` nodes whatever the cloud's size.
 */
export function candidatesSql(serviceDownTime: number, query: CandidateQuery): [string, unknown[]] {
  const dir = query.mostFreeRamFirst ? 'DESC' : 'ASC';
  return [
    `SELECT ${HOST_STATE_COLUMNS}, ${serviceUp('$1')} AS up
       FROM compute_nodes n
       JOIN services s ON s.id = n.service_id
      WHERE n.free_vcpus >= $2 AND n.free_memory_mb >= $3 AND n.free_disk_gb >= $4
        AND (NOT $5::boolean OR (NOT s.disabled AND ${serviceUp('$1')}))
        AND ($6::text IS NULL OR s.zone = $6)
        AND ($7::text IS NULL OR n.host = $7)
        AND n.host <> ALL($8::text[])
      ORDER BY n.free_memory_mb ${dir}, n.id ${dir}
      LIMIT $9`,
    [
      serviceDownTime,
      query.resources.vcpus,
      query.resources.memoryMb,
      query.resources.diskGb,
      query.liveOnly,
      query.availabilityZone ?? null,
      query.onlyHost ?? null,
      query.ignoreHosts,
      query.limit,
    ],
  ];
}

/**
 * The candidates for one decision (see candidatesSql), as host states in host order; aggregates'
 * metadata only when `withAggregates` (a filter reads it), in one more query for all of them.
 */
export async function loadCandidates(
  db: EntityManager,
  serviceDownTime: number,
  query: CandidateQuery,
  withAggregates: boolean,
): Promise<HostState[]> {
  const [sql, parameters] = candidatesSql(serviceDownTime, query);
  const rows: Row[] = await db.query(sql, parameters);
  return toHostStates(db, rows.sort(inHostOrder), withAggregates);
}

/**
 * Host order, as when every node was read, so that equal weights keep choosing alike. Sorted here,
 * not in SQL: PostgreSQL then streams rows as it walks the index, and the driver parses them
 * meanwhile (a decision at 10,000 nodes 23.7 → 16.9 ms p50, BENCHMARKS.md).
 */
function inHostOrder(a: Row, b: Row): number {
  const [x, y] = a.host === b.host ? [a.hypervisor_hostname, b.hypervisor_hostname] : [a.host, b.host];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Some nodes by id, with their aggregates' metadata (an alternate's or a rebuild's check). */
export async function loadHostStates(
  db: EntityManager,
  serviceDownTime: number,
  nodeIds: number[],
): Promise<HostState[]> {
  const rows: Row[] = await db.query(
    `SELECT ${HOST_STATE_COLUMNS}, ${serviceUp('$1')} AS up
       FROM compute_nodes n JOIN services s ON s.id = n.service_id
      WHERE n.id = ANY($2::int[]) ORDER BY n.host, n.hypervisor_hostname`,
    [serviceDownTime, nodeIds],
  );
  return toHostStates(db, rows, true);
}

/** Each host's aggregates' metadata, aggregates in id order (Nova's HostState.aggregates). */
async function aggregatesOf(
  db: EntityManager,
  hosts: string[],
): Promise<Map<string, Record<string, string>[]>> {
  const rows: { host: string; metadata: Record<string, string> }[] = await db.query(
    `SELECT h.host, jsonb_object_agg(m.key, m.value) AS metadata
       FROM aggregate_hosts h JOIN aggregate_metadata m ON m.aggregate_id = h.aggregate_id
      WHERE h.host = ANY($1::text[])
      GROUP BY h.host, h.aggregate_id ORDER BY h.host, h.aggregate_id`,
    [hosts],
  );
  const byHost = new Map<string, Record<string, string>[]>();
  for (const row of rows) byHost.set(row.host, [...(byHost.get(row.host) ?? []), row.metadata]);
  return byHost;
}

async function toHostStates(db: EntityManager, rows: Row[], withAggregates: boolean): Promise<HostState[]> {
  const aggregates =
    withAggregates && rows.length > 0
      ? await aggregatesOf(db, [...new Set(rows.map((row) => row.host))])
      : undefined;
  return rows.map((row) => ({
    host: row.host,
    nodename: row.hypervisor_hostname,
    computeNodeId: row.id,
    generation: row.generation,
    availabilityZone: row.zone,
    serviceUp: row.up,
    serviceDisabled: row.disabled,
    hypervisorType: row.hypervisor_type,
    hypervisorVersion: row.hypervisor_version,
    cpuArch: row.cpu_arch,
    vcpus: {
      total: row.vcpus,
      reserved: row.reserved_host_cpus,
      allocationRatio: row.cpu_allocation_ratio,
      used: row.allocated_vcpus,
    },
    memoryMb: {
      total: row.memory_mb,
      reserved: row.reserved_host_memory_mb,
      allocationRatio: row.ram_allocation_ratio,
      used: row.allocated_memory_mb,
    },
    diskGb: {
      total: row.local_gb,
      reserved: Math.ceil(row.reserved_host_disk_mb / 1024),
      allocationRatio: row.disk_allocation_ratio,
      used: row.allocated_disk_gb,
    },
    aggregates: aggregates?.get(row.host) ?? [],
  }));
}
