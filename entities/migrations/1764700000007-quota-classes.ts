import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Nova's quota_classes: os-quota-class-sets overrides, the 'default' class being every project's.
 * Also renames the path-length quota to its API name, injected_file_path_bytes (only its config
 * option is called injected_file_path_length), so project limits set under the old name hold.
 */
export class QuotaClasses1764700000007 implements MigrationInterface {
  name = 'QuotaClasses1764700000007';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE TABLE quota_classes (
         class_name varchar(255) NOT NULL,
         resource varchar(255) NOT NULL,
         hard_limit integer NOT NULL,
         PRIMARY KEY (class_name, resource)
       )`,
    );
    await q.query(
      `UPDATE quotas SET resource = 'injected_file_path_bytes' WHERE resource = 'injected_file_path_length'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `UPDATE quotas SET resource = 'injected_file_path_length' WHERE resource = 'injected_file_path_bytes'`,
    );
    await q.query('DROP TABLE quota_classes');
  }
}
