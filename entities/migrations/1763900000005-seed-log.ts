import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Which first-start seeds ran, so that what an operator deletes stays deleted after a restart. */
export class SeedLog1763900000005 implements MigrationInterface {
  name = 'SeedLog1763900000005';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE seed_log (name varchar(255) PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE seed_log');
  }
}
