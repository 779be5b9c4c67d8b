import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Neutron's per-project quota limits (its `quotas` table), apart from Nova's: a row only where a
 * project's limit differs from the default; -1 is unlimited.
 */
export class NetworkQuotas1764700000012 implements MigrationInterface {
  name = 'NetworkQuotas1764700000012';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE network_quotas (
        project_id varchar(255) NOT NULL,
        resource varchar(255) NOT NULL,
        hard_limit integer NOT NULL,
        PRIMARY KEY (project_id, resource)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE network_quotas');
  }
}
