import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Nova's services have an integer id as well as a UUID: microversions below 2.53 name a service
 * (and a hypervisor's service) by the integer. A serial column numbers existing rows too.
 */
export class ServiceIds1764700000008 implements MigrationInterface {
  name = 'ServiceIds1764700000008';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE services ADD COLUMN serial_id serial NOT NULL');
    await q.query('ALTER TABLE services ADD CONSTRAINT services_serial_id_key UNIQUE (serial_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE services DROP COLUMN serial_id');
  }
}
