import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Addresses of servers deleted while their host did not answer: no port holds them any more, yet
 * the guest may still run with them, so no new port gets them until that host reports the guest
 * gone (or its service is deleted).
 */
export class AddressQuarantine1765100000016 implements MigrationInterface {
  name = 'AddressQuarantine1765100000016';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE address_quarantine (
        subnet_id uuid NOT NULL REFERENCES subnets(id) ON DELETE CASCADE,
        ip_address inet NOT NULL,
        instance_uuid uuid NOT NULL,
        host varchar(255) NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (subnet_id, ip_address)
      )`);
    await q.query('CREATE INDEX address_quarantine_host ON address_quarantine (host)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE address_quarantine');
  }
}
