import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Nova's `migrations` table, named `instance_migrations` here because TypeORM keeps its own
 * schema history in `migrations`. A move holds two claims: the source's, whose consumer is the
 * migration's uuid, and the destination's, whose consumer is the instance (placement's
 * migration-consumer allocations). Also the outbox of signals the API sends to a running
 * workflow (confirm, revert, force-complete), and the capabilities each host reports.
 */
export class InstanceMigrations1764800000013 implements MigrationInterface {
  name = 'InstanceMigrations1764800000013';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE instance_migrations (
        id serial PRIMARY KEY,
        uuid uuid NOT NULL UNIQUE,
        instance_uuid uuid NOT NULL REFERENCES instances (uuid),
        migration_type varchar(32) NOT NULL,
        status varchar(32) NOT NULL,
        source_compute varchar(255),
        source_node varchar(255),
        dest_compute varchar(255),
        dest_node varchar(255),
        dest_host varchar(255),
        old_instance_type_id integer,
        new_instance_type_id integer,
        old_flavor jsonb NOT NULL,
        new_flavor jsonb NOT NULL,
        memory_total bigint,
        memory_processed bigint,
        memory_remaining bigint,
        disk_total bigint,
        disk_processed bigint,
        disk_remaining bigint,
        user_id varchar(255) NOT NULL,
        project_id varchar(255) NOT NULL,
        workflow_id varchar(512) NOT NULL,
        hidden boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz,
        deleted_at timestamptz
      )`);
    await q.query('CREATE INDEX instance_migrations_instance ON instance_migrations (instance_uuid)');
    await q.query('CREATE INDEX instance_migrations_source ON instance_migrations (source_compute, status)');
    await q.query('CREATE INDEX instance_migrations_updated ON instance_migrations (updated_at, id)');
    await q.query(`
      CREATE TABLE signal_outbox (
        workflow_id varchar(512) NOT NULL,
        signal varchar(255) NOT NULL,
        args jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workflow_id, signal)
      )`);
    await q.query(`ALTER TABLE compute_nodes ADD COLUMN capabilities jsonb NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE compute_nodes DROP COLUMN capabilities');
    await q.query('DROP TABLE signal_outbox');
    await q.query('DROP TABLE instance_migrations');
  }
}
