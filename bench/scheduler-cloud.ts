import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DataSource } from 'typeorm';
import { createDataSource } from '../entities/data-source';
import { freePort } from '../scripts/net';
import { startEmbeddedPostgres } from '../scripts/postgres';
import { prepareDatabase } from '../scripts/prepare-database';

/** An embedded PostgreSQL of its own, migrated and seeded, for the benchmarks that need only the database. */
export async function withBenchDatabase(body: (dataSource: DataSource) => Promise<void>): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'novaflow-bench-db-'));
  const password = randomUUID();
  const pg = await startEmbeddedPostgres({
    dataDir: join(scratch, 'pg'),
    port: await freePort(),
    password,
    persistent: false,
  });
  try {
    await prepareDatabase(pg.url, { admin: password, demo: password, service: password });
    const dataSource = await createDataSource(pg.url, { poolSize: 4 }).initialize();
    try {
      await body(dataSource);
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await pg.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * `count` compute hosts as a cloud's would be after a while: a service each (a few disabled, a
 * few down), one node each of a few sizes, four availability zones, some aggregates with
 * metadata, and instances' allocations filling each node to a random share of its capacity.
 */
export async function loadComputeNodes(db: DataSource, count: number): Promise<void> {
  await db.query(
    `INSERT INTO services (id, host, "binary", topic, zone, disabled, forced_down, last_seen_up)
     SELECT gen_random_uuid(), 'cn' || i, 'nova-compute', 'compute', 'az' || (i % 4),
            i % 97 = 0, i % 89 = 0, now()
       FROM generate_series(1, $1) i`,
    [count],
  );
  await db.query(
    `INSERT INTO compute_nodes (uuid, service_id, host, hypervisor_hostname, hypervisor_type, hypervisor_version,
                                host_ip, cpu_arch, vcpus, memory_mb, local_gb, cpu_allocation_ratio,
                                ram_allocation_ratio, disk_allocation_ratio, reserved_host_memory_mb)
     SELECT gen_random_uuid(), s.id, s.host, s.host, 'fake', 1, '10.0.0.1', 'x86_64',
            (ARRAY[32, 64, 96])[1 + n % 3], (ARRAY[131072, 262144, 393216])[1 + n % 3],
            (ARRAY[1000, 2000, 4000])[1 + n % 3], 16.0, 1.5, 1.0, 512
       FROM services s, LATERAL (SELECT substr(s.host, 3)::int AS n) k
      WHERE s."binary" = 'nova-compute' AND s.host LIKE 'cn%'`,
  );
  // Each node gets between 0 and 40 instances of 2 vCPU / 4 GiB / 40 GB: 200,000 on average at 10,000.
  await db.query(
    `INSERT INTO allocations (consumer_id, compute_node_id, vcpus, memory_mb, disk_gb)
     SELECT gen_random_uuid(), n.id, 2, 4096, 40
       FROM compute_nodes n, LATERAL generate_series(1, (n.id * 7919) % 41) g
      WHERE n.host LIKE 'cn%'`,
  );
  await db.query(
    `INSERT INTO aggregates (uuid, name) SELECT gen_random_uuid(), 'agg' || i FROM generate_series(1, 20) i`,
  );
  await db.query(
    `INSERT INTO aggregate_metadata (aggregate_id, key, value)
     SELECT id, 'ssd', CASE WHEN id % 2 = 0 THEN 'true' ELSE 'false' END FROM aggregates WHERE name LIKE 'agg%'`,
  );
  await db.query(
    `INSERT INTO aggregate_hosts (aggregate_id, host)
     SELECT a.id, s.host FROM services s JOIN aggregates a ON a.name = 'agg' || (1 + substr(s.host, 3)::int % 20)
      WHERE s.host LIKE 'cn%'`,
  );
  await db.query('ANALYZE');
}
