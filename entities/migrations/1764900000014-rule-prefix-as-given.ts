import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * A security group rule's remote_ip_prefix is kept as it was given, host bits and all, as Neutron
 * keeps it (10.2.3.124/24 stays 10.2.3.124/24): a PostgreSQL `cidr` cannot hold that, so the
 * column becomes text (Neutron's own is a string). Stored prefixes keep their text.
 */
export class RulePrefixAsGiven1764900000014 implements MigrationInterface {
  name = 'RulePrefixAsGiven1764900000014';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      'ALTER TABLE security_group_rules ALTER COLUMN remote_ip_prefix TYPE varchar(255) USING remote_ip_prefix::text',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      'ALTER TABLE security_group_rules ALTER COLUMN remote_ip_prefix TYPE cidr USING network(remote_ip_prefix::inet)',
    );
  }
}
