import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Operations: an instance action keeps the run id of its workflow (the Web UI's address of it),
 * found by workflow id; and the runbooks operators start (drain, evacuate, maintain a host), at
 * most one running per host.
 */
export class Operations1765000000015 implements MigrationInterface {
  name = 'Operations1765000000015';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE instance_actions ADD COLUMN workflow_run_id varchar(64)');
    await q.query('CREATE INDEX instance_actions_workflow ON instance_actions (workflow_id)');
    await q.query('CREATE INDEX instance_migrations_workflow ON instance_migrations (workflow_id)');
    await q.query(`
      CREATE TABLE runbooks (
        id varchar(255) PRIMARY KEY,
        runbook varchar(64) NOT NULL,
        host varchar(255) NOT NULL,
        parameters jsonb NOT NULL,
        status varchar(32) NOT NULL,
        progress jsonb,
        user_id varchar(255) NOT NULL,
        project_id varchar(255) NOT NULL,
        request_id varchar(255) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz,
        finished_at timestamptz
      )`);
    await q.query(
      `CREATE UNIQUE INDEX runbooks_one_running_per_host ON runbooks (host) WHERE status = 'running'`,
    );
    await q.query('CREATE INDEX runbooks_created ON runbooks (created_at, id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE runbooks');
    await q.query('DROP INDEX instance_migrations_workflow');
    await q.query('DROP INDEX instance_actions_workflow');
    await q.query('ALTER TABLE instance_actions DROP COLUMN workflow_run_id');
  }
}
