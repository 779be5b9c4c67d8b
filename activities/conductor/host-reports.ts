import { randomUUID } from 'node:crypto';
import { type DataSource, type EntityManager } from 'typeorm';
import { type HostReport } from '../../common/host-report';
import { EVACUATION_UNCLEANED, MigrationStatus } from '../../common/compute/migrations';
import { liftQuarantine } from '../../common/network/address-quarantine';
import { releaseSourceClaim } from './scheduler/move-claims';
import { RecordedReports, touchHosts } from './recorded-reports';
import { recordService } from './service-records';

/**
 * Conductor activities of the host workflow: what a compute host reports lands in the database.
 * `refreshMs`: how long a report that says the same as the host's last one only touches its
 * service (the conductor's service_down_time: a host that was down for that long, the only kind
 * whose servers can be deleted or evacuated behind its back, always gets the full record).
 */
export function createHostReportActivities(dataSource: DataSource, refreshMs: number) {
  const recorded = new RecordedReports(refreshMs);

  /** Records in full each report not touched already, and returns its stale guests by host. */
  async function recordReports(reports: HostReport[]): Promise<Map<string, string[]>> {
    const unchanged = reports.filter((report) => recorded.isUnchanged(report));
    const touched = await touchHosts(dataSource, unchanged);
    const staleGuests = new Map<string, string[]>();
    for (const report of reports) {
      if (touched.has(report.host)) continue;
      recorded.forget(report.host);
      const result = await recordInFull(dataSource, report);
      // A host with stale guests reports again once they are gone, which is then a change.
      if (result.staleGuests.length === 0) recorded.remember(report);
      else staleGuests.set(report.host, result.staleGuests);
    }
    return staleGuests;
  }

  return {
    /**
     * Records the service and its compute node, takes the guests' power states (bottom-up, for
     * instances no task is moving), and returns the guests that should not be there (their
     * instance deleted while the host could not be reached, or idle and placed elsewhere): the
     * host workflow has them destroyed. A report unchanged since the last full record, within
     * refreshMs, only touches the service and node.
     */
    async recordHostReport(report: HostReport): Promise<{ staleGuests: string[] }> {
      return { staleGuests: (await recordReports([report])).get(report.host) ?? [] };
    },

    /**
     * The same for the reports of many hosts (a compute process's): those unchanged touched in one
     * statement, the others recorded in full one by one. Stale guests by host.
     */
    async recordHostReports(reports: HostReport[]): Promise<{ staleGuests: Record<string, string[]> }> {
      return { staleGuests: Object.fromEntries(await recordReports(reports)) };
    },
  };
}

/** The whole report in one transaction: service, compute node, guests against the instances. */
async function recordInFull(dataSource: DataSource, report: HostReport): Promise<{ staleGuests: string[] }> {
  const node = report.node;
  return dataSource.transaction(async (db) => {
    const serviceId = await recordService(db, {
      host: report.host,
      binary: 'nova-compute',
      topic: 'compute',
      zone: report.availabilityZone,
      seenAt: new Date(report.reportedAt),
    });
    // An inventory change bumps the generation, as in placement, so in-flight claims re-read it.
    await db.query(
      `INSERT INTO compute_nodes (uuid, service_id, host, hypervisor_hostname, hypervisor_type,
             hypervisor_version, host_ip, vcpus, memory_mb, local_gb, vcpus_used, memory_mb_used,
             local_gb_used, running_vms, cpu_allocation_ratio, ram_allocation_ratio, disk_allocation_ratio,
             reserved_host_memory_mb, reserved_host_disk_mb, reserved_host_cpus, cpu_arch, capabilities)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
           ON CONFLICT (host, hypervisor_hostname) DO UPDATE SET
             service_id = EXCLUDED.service_id,
             hypervisor_type = EXCLUDED.hypervisor_type,
             hypervisor_version = EXCLUDED.hypervisor_version,
             host_ip = EXCLUDED.host_ip,
             cpu_arch = EXCLUDED.cpu_arch,
             capabilities = EXCLUDED.capabilities,
             vcpus_used = EXCLUDED.vcpus_used,
             memory_mb_used = EXCLUDED.memory_mb_used,
             local_gb_used = EXCLUDED.local_gb_used,
             running_vms = EXCLUDED.running_vms,
             vcpus = EXCLUDED.vcpus,
             memory_mb = EXCLUDED.memory_mb,
             local_gb = EXCLUDED.local_gb,
             cpu_allocation_ratio = EXCLUDED.cpu_allocation_ratio,
             ram_allocation_ratio = EXCLUDED.ram_allocation_ratio,
             disk_allocation_ratio = EXCLUDED.disk_allocation_ratio,
             reserved_host_memory_mb = EXCLUDED.reserved_host_memory_mb,
             reserved_host_disk_mb = EXCLUDED.reserved_host_disk_mb,
             reserved_host_cpus = EXCLUDED.reserved_host_cpus,
             generation = compute_nodes.generation + CASE WHEN
               (compute_nodes.vcpus, compute_nodes.memory_mb, compute_nodes.local_gb,
                compute_nodes.cpu_allocation_ratio, compute_nodes.ram_allocation_ratio,
                compute_nodes.disk_allocation_ratio, compute_nodes.reserved_host_memory_mb,
                compute_nodes.reserved_host_disk_mb, compute_nodes.reserved_host_cpus)
               IS DISTINCT FROM
               (EXCLUDED.vcpus, EXCLUDED.memory_mb, EXCLUDED.local_gb, EXCLUDED.cpu_allocation_ratio,
                EXCLUDED.ram_allocation_ratio, EXCLUDED.disk_allocation_ratio,
                EXCLUDED.reserved_host_memory_mb, EXCLUDED.reserved_host_disk_mb, EXCLUDED.reserved_host_cpus)
               THEN 1 ELSE 0 END,
             updated_at = now()`,
      [
        randomUUID(),
        serviceId,
        report.host,
        node.hypervisorHostname,
        node.hypervisorType,
        node.hypervisorVersion,
        node.hostIp,
        node.vcpus,
        node.memoryMb,
        node.localGb,
        node.vcpusUsed,
        node.memoryMbUsed,
        node.localGbUsed,
        node.runningVms,
        node.cpuAllocationRatio,
        node.ramAllocationRatio,
        node.diskAllocationRatio,
        node.reservedHostMemoryMb,
        node.reservedHostDiskMb,
        node.reservedHostCpus,
        node.cpuArch,
        JSON.stringify(report.capabilities ?? {}),
      ],
    );
    return { staleGuests: await syncGuests(db, report) };
  });
}

/** Nova's _sync_power_states for this host's idle instances, and the guests that should not exist. */
async function syncGuests(db: EntityManager, report: HostReport): Promise<string[]> {
  const guests = Object.entries(report.guests);
  const uuids = guests.map(([uuid]) => uuid);
  if (guests.length > 0) {
    await db.query(
      `UPDATE instances i SET power_state = g.power_state, updated_at = now()
         FROM unnest($2::uuid[], $3::int[]) AS g(uuid, power_state)
        WHERE i.uuid = g.uuid AND i.host = $1 AND i.task_state IS NULL AND i.deleted_at IS NULL
          AND i.power_state <> g.power_state`,
      [report.host, uuids, guests.map(([, state]) => state)],
    );
  }
  // An idle instance of this host that the hypervisor does not list has no guest (Nova's NOSTATE).
  await db.query(
    `UPDATE instances SET power_state = 0, updated_at = now()
      WHERE host = $1 AND task_state IS NULL AND deleted_at IS NULL AND power_state <> 0
        AND uuid <> ALL($2::uuid[])`,
    [report.host, uuids],
  );
  // Stale: the instance was deleted, or it is idle and placed elsewhere or nowhere (a build that
  // was rolled back while its spawn still ran here). A guest of an instance that has a task may
  // be mid-operation, and a guest no instance knows is not ours to touch.
  // A resize's source keeps its copy until confirm or revert; an evacuated server's copy on its
  // old host is stale whatever the evacuation's task is doing (a guest never runs on two hosts).
  const stale: { uuid: string }[] = await db.query(
    `SELECT i.uuid FROM instances i WHERE i.uuid = ANY($1::uuid[])
        AND (i.deleted_at IS NOT NULL
             OR (i.task_state IS NULL AND i.host IS DISTINCT FROM $2
                 AND NOT EXISTS (SELECT 1 FROM instance_migrations m
                                  WHERE m.instance_uuid = i.uuid AND m.source_compute = $2
                                    AND m.status = ANY($3::text[])))
             OR EXISTS (SELECT 1 FROM instance_migrations m
                         WHERE m.instance_uuid = i.uuid AND m.source_compute = $2
                           AND m.migration_type = 'evacuation' AND m.status = ANY($4::text[])))`,
    [uuids, report.host, RESIZE_SOURCE_KEPT, EVACUATION_UNCLEANED],
  );
  await completeCleanedEvacuations(db, report.host, uuids);
  await releaseFailedMoveSources(db, report.host, uuids);
  await liftQuarantine(db, report.host, uuids);
  return stale.map((row) => row.uuid);
}

/**
 * Moves from this host that failed (migration `error`) with the instance placed elsewhere, whose
 * guest the host no longer has (it destroyed the stale copy): nothing will come back here, so the
 * claim the migration kept on this host goes.
 */
async function releaseFailedMoveSources(db: EntityManager, host: string, guests: string[]): Promise<void> {
  const failed: { uuid: string }[] = await db.query(
    `SELECT m.uuid FROM instance_migrations m JOIN instances i ON i.uuid = m.instance_uuid
      WHERE m.source_compute = $1 AND m.status = $2 AND i.host IS DISTINCT FROM $1
        AND m.instance_uuid <> ALL($3::uuid[])
        AND EXISTS (SELECT 1 FROM allocations a WHERE a.consumer_id = m.uuid)`,
    [host, MigrationStatus.ERROR, guests],
  );
  for (const { uuid } of failed) await releaseSourceClaim(db, uuid);
}

/** A resize's statuses in which its source still holds its copy of the guest. */
const RESIZE_SOURCE_KEPT = [MigrationStatus.FINISHED, MigrationStatus.CONFIRMING, MigrationStatus.REVERTING];

/**
 * Evacuations from this host whose guest the host no longer has: the source has cleaned up, so
 * the migration is `completed` and the source's claim goes (Nova's _destroy_evacuated_instances).
 */
async function completeCleanedEvacuations(db: EntityManager, host: string, guests: string[]): Promise<void> {
  const cleaned: { uuid: string }[] = await db.query(
    // A SELECT around the UPDATE: TypeORM answers a bare UPDATE ... RETURNING with [rows, count].
    `WITH cleaned AS (
       UPDATE instance_migrations SET status = 'completed', updated_at = now()
        WHERE source_compute = $1 AND migration_type = 'evacuation' AND status = 'done'
          AND instance_uuid <> ALL($2::uuid[])
        RETURNING uuid)
     SELECT uuid FROM cleaned`,
    [host, guests],
  );
  for (const { uuid } of cleaned) await releaseSourceClaim(db, uuid);
}
