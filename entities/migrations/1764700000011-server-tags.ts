import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Server tags (Nova 2.26). The primary key leads with the instance, so a server's tags read in
 * tag order as Nova's (resource_id, tag) key gives them; the tag index serves the list filters.
 */
export class ServerTags1764700000011 implements MigrationInterface {
  name = 'ServerTags1764700000011';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE instance_tags (
        instance_uuid uuid NOT NULL REFERENCES instances(uuid) ON DELETE CASCADE,
        tag varchar(60) NOT NULL,
        PRIMARY KEY (instance_uuid, tag)
      )`);
    await q.query('CREATE INDEX idx_instance_tags_tag ON instance_tags (tag)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE instance_tags');
  }
}
