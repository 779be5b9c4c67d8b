import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Services and compute nodes: what the host workflow records. */
export class Foundation1763900000000 implements MigrationInterface {
  name = 'Foundation1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE services (
        id uuid PRIMARY KEY,
        host varchar(255) NOT NULL,
        "binary" varchar(255) NOT NULL,
        topic varchar(255) NOT NULL,
        zone varchar(255) NOT NULL,
        report_count integer NOT NULL DEFAULT 0,
        disabled boolean NOT NULL DEFAULT false,
        disabled_reason varchar(255),
        forced_down boolean NOT NULL DEFAULT false,
        last_seen_up timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz DEFAULT now(),
        CONSTRAINT uniq_services_host_binary UNIQUE (host, "binary")
      )`);
    await q.query(`
      CREATE TABLE compute_nodes (
        id serial PRIMARY KEY,
        uuid uuid NOT NULL UNIQUE,
        service_id uuid NOT NULL REFERENCES services(id) ON DELETE CASCADE,
        host varchar(255) NOT NULL,
        hypervisor_hostname varchar(255) NOT NULL,
        hypervisor_type varchar(255) NOT NULL,
        hypervisor_version integer NOT NULL,
        host_ip varchar(64) NOT NULL,
        cpu_arch varchar(32) NOT NULL,
        vcpus integer NOT NULL,
        memory_mb integer NOT NULL,
        local_gb integer NOT NULL,
        vcpus_used integer NOT NULL DEFAULT 0,
        memory_mb_used integer NOT NULL DEFAULT 0,
        local_gb_used integer NOT NULL DEFAULT 0,
        running_vms integer NOT NULL DEFAULT 0,
        cpu_allocation_ratio double precision NOT NULL,
        ram_allocation_ratio double precision NOT NULL,
        disk_allocation_ratio double precision NOT NULL,
        reserved_host_memory_mb integer NOT NULL DEFAULT 0,
        reserved_host_disk_mb integer NOT NULL DEFAULT 0,
        reserved_host_cpus integer NOT NULL DEFAULT 0,
        generation integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz DEFAULT now(),
        CONSTRAINT uniq_compute_nodes_host_node UNIQUE (host, hypervisor_hostname)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE compute_nodes');
    await q.query('DROP TABLE services');
  }
}
