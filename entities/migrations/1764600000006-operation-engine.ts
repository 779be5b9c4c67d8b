import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * The operation engine's two tables: the ledger of conductor steps that committed (so a step
 * that runs again returns what it returned the first time) and the outbox of workflows to start
 * (written in the claim's transaction, so a crash between claim and start loses nothing).
 * Also Nova's `locked_by` (owner or admin) and the workflow id of each instance action.
 */
export class OperationEngine1764600000006 implements MigrationInterface {
  name = 'OperationEngine1764600000006';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE task_steps (
         task_id varchar(512) NOT NULL,
         step varchar(255) NOT NULL,
         result jsonb NOT NULL,
         created_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (task_id, step)
       )`,
    );
    await q.query('CREATE INDEX task_steps_created_at ON task_steps (created_at)');
    await q.query(
      `CREATE TABLE workflow_outbox (
         workflow_id varchar(512) PRIMARY KEY,
         workflow_type varchar(255) NOT NULL,
         input jsonb NOT NULL,
         search_attributes jsonb NOT NULL,
         memo jsonb NOT NULL,
         created_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    await q.query(`ALTER TABLE instances ADD COLUMN locked_by varchar(16)`);
    // The workflow that ran the action, so an operator goes from an action to its trace.
    await q.query(`ALTER TABLE instance_actions ADD COLUMN workflow_id varchar(512)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE instance_actions DROP COLUMN workflow_id');
    await q.query('ALTER TABLE instances DROP COLUMN locked_by');
    await q.query('DROP TABLE workflow_outbox');
    await q.query('DROP TABLE task_steps');
  }
}
