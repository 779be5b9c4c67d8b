import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Which instance a port is bound to, as the compute service recorded it (`ports.instance_uuid`):
 * device_id and device_owner are the tenant's to write (Neutron lets a port's owner set them), so
 * they can never say whose port it is. Ports already in use keep their binding when device_id
 * names an instance of the port's own project (the only ones the compute service could have bound).
 */
export class PortInstanceBinding1765300000018 implements MigrationInterface {
  name = 'PortInstanceBinding1765300000018';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE ports ADD COLUMN instance_uuid uuid');
    await q.query(`
      UPDATE ports p SET instance_uuid = i.uuid
        FROM instances i
       WHERE p.device_id = i.uuid::text AND p.project_id = i.project_id AND i.deleted_at IS NULL`);
    await q.query('CREATE INDEX ports_instance ON ports (instance_uuid) WHERE instance_uuid IS NOT NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX ports_instance');
    await q.query('ALTER TABLE ports DROP COLUMN instance_uuid');
  }
}
