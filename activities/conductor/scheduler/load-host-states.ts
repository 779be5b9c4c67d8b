import { type EntityManager } from 'typeorm';
import { type HostState } from './host-state';

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
  zone: string;
  disabled: boolean;
  up: boolean;
  used_vcpus: number;
  used_memory_mb: number;
  used_disk_gb: number;
  consumers: string[];
  aggregates: Record<string, string>[];
}

/**
 * Every compute node with its inventory, its allocations summed, its service's liveness and its
 * aggregates' metadata, in one query (placement's provider summaries and Nova's host states at once).
 */
export async function loadHostStates(
  db: EntityManager,
  serviceDownTime: number,
  nodeIds?: number[],
): Promise<HostState[]> {
  const rows: Row[] = await db.query(
    `SELECT n.id, n.host, n.hypervisor_hostname, n.generation, n.hypervisor_type, n.hypervisor_version, n.cpu_arch,
            n.vcpus, n.memory_mb, n.local_gb, n.cpu_allocation_ratio, n.ram_allocation_ratio,
            n.disk_allocation_ratio, n.reserved_host_cpus, n.reserved_host_memory_mb, n.reserved_host_disk_mb,
            s.zone, s.disabled,
            (NOT s.forced_down AND s.last_seen_up > now() - make_interval(secs => $1)) AS up,
            coalesce(a.vcpus, 0)::int AS used_vcpus, coalesce(a.memory_mb, 0)::int AS used_memory_mb,
            coalesce(a.disk_gb, 0)::int AS used_disk_gb, coalesce(a.consumers, '{}') AS consumers,
            coalesce((SELECT json_agg(g.metadata ORDER BY g.aggregate_id)
                        FROM (SELECT h.aggregate_id, jsonb_object_agg(m.key, m.value) AS metadata
                                FROM aggregate_hosts h JOIN aggregate_metadata m ON m.aggregate_id = h.aggregate_id
                               WHERE h.host = n.host GROUP BY h.aggregate_id) g), '[]') AS aggregates
       FROM compute_nodes n
       JOIN services s ON s.id = n.service_id
       LEFT JOIN (SELECT compute_node_id, sum(vcpus) AS vcpus, sum(memory_mb) AS memory_mb, sum(disk_gb) AS disk_gb,
                         array_agg(consumer_id::text) AS consumers
                    FROM allocations GROUP BY compute_node_id) a ON a.compute_node_id = n.id
      WHERE $2::int[] IS NULL OR n.id = ANY($2::int[])
      ORDER BY n.host, n.hypervisor_hostname`,
    [serviceDownTime, nodeIds ?? null],
  );
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
      used: row.used_vcpus,
    },
    memoryMb: {
      total: row.memory_mb,
      reserved: row.reserved_host_memory_mb,
      allocationRatio: row.ram_allocation_ratio,
      used: row.used_memory_mb,
    },
    diskGb: {
      total: row.local_gb,
      reserved: Math.ceil(row.reserved_host_disk_mb / 1024),
      allocationRatio: row.disk_allocation_ratio,
      used: row.used_disk_gb,
    },
    instances: row.consumers,
    aggregates: row.aggregates,
  }));
}
