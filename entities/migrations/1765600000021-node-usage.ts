import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Placement's usage summary on each compute node: what its allocations add up to, kept by a
 * trigger in the transaction that writes the allocations (claims, releases, moves), and the free
 * capacity it leaves ((total - reserved) × allocation ratio - allocated) as stored columns. The
 * scheduler's candidate query filters on those and walks an index of free RAM, instead of summing
 * every node's allocations for every decision.
 */
export class NodeUsage1765600000021 implements MigrationInterface {
  name = 'NodeUsage1765600000021';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE compute_nodes
        ADD COLUMN allocated_vcpus integer NOT NULL DEFAULT 0,
        ADD COLUMN allocated_memory_mb integer NOT NULL DEFAULT 0,
        ADD COLUMN allocated_disk_gb integer NOT NULL DEFAULT 0`);
    await q.query(`
      UPDATE compute_nodes n SET allocated_vcpus = a.vcpus, allocated_memory_mb = a.memory_mb,
                                 allocated_disk_gb = a.disk_gb
        FROM (SELECT compute_node_id, sum(vcpus) AS vcpus, sum(memory_mb) AS memory_mb, sum(disk_gb) AS disk_gb
                FROM allocations GROUP BY compute_node_id) a
       WHERE a.compute_node_id = n.id`);
    // The same arithmetic as host-state.ts's capacity(): floor((total - reserved) × ratio).
    await q.query(`
      ALTER TABLE compute_nodes
        ADD COLUMN free_vcpus integer GENERATED ALWAYS AS
          (floor((vcpus - reserved_host_cpus) * cpu_allocation_ratio)::integer - allocated_vcpus) STORED,
        ADD COLUMN free_memory_mb integer GENERATED ALWAYS AS
          (floor((memory_mb - reserved_host_memory_mb) * ram_allocation_ratio)::integer - allocated_memory_mb) STORED,
        ADD COLUMN free_disk_gb integer GENERATED ALWAYS AS
          (floor((local_gb - ceil(reserved_host_disk_mb / 1024.0)) * disk_allocation_ratio)::integer - allocated_disk_gb) STORED`);
    await q.query('CREATE INDEX compute_nodes_free_memory ON compute_nodes (free_memory_mb, id)');
    await q.query(`
      CREATE FUNCTION allocations_usage() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
          UPDATE compute_nodes SET allocated_vcpus = allocated_vcpus - OLD.vcpus,
                                   allocated_memory_mb = allocated_memory_mb - OLD.memory_mb,
                                   allocated_disk_gb = allocated_disk_gb - OLD.disk_gb
           WHERE id = OLD.compute_node_id;
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
          UPDATE compute_nodes SET allocated_vcpus = allocated_vcpus + NEW.vcpus,
                                   allocated_memory_mb = allocated_memory_mb + NEW.memory_mb,
                                   allocated_disk_gb = allocated_disk_gb + NEW.disk_gb
           WHERE id = NEW.compute_node_id;
        END IF;
        RETURN NULL;
      END $$`);
    // A move's hand-over (consumer_id only) changes no sum, so it does not fire.
    await q.query(`
      CREATE TRIGGER allocations_usage
        AFTER INSERT OR DELETE OR UPDATE OF compute_node_id, vcpus, memory_mb, disk_gb ON allocations
        FOR EACH ROW EXECUTE FUNCTION allocations_usage()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER allocations_usage ON allocations');
    await q.query('DROP FUNCTION allocations_usage()');
    await q.query('DROP INDEX compute_nodes_free_memory');
    await q.query(`
      ALTER TABLE compute_nodes DROP COLUMN free_vcpus, DROP COLUMN free_memory_mb, DROP COLUMN free_disk_gb,
        DROP COLUMN allocated_vcpus, DROP COLUMN allocated_memory_mb, DROP COLUMN allocated_disk_gb`);
  }
}
