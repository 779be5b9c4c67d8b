import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Glance's subset: images (soft-deleted, with extra properties and tags) and image members. */
export class Image1763900000002 implements MigrationInterface {
  name = 'Image1763900000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE images (
        id uuid PRIMARY KEY,
        name varchar(255),
        status varchar(30) NOT NULL CHECK (status IN ('queued', 'saving', 'active', 'killed', 'deleted',
          'pending_delete', 'deactivated', 'uploading', 'importing')),
        visibility varchar(9) NOT NULL CHECK (visibility IN ('community', 'public', 'private', 'shared')),
        protected boolean NOT NULL DEFAULT false,
        os_hidden boolean NOT NULL DEFAULT false,
        owner varchar(255),
        disk_format varchar(20),
        container_format varchar(20),
        size bigint,
        virtual_size bigint,
        checksum varchar(32),
        os_hash_algo varchar(64),
        os_hash_value varchar(128),
        min_disk integer NOT NULL DEFAULT 0,
        min_ram integer NOT NULL DEFAULT 0,
        properties jsonb NOT NULL DEFAULT '{}',
        tags jsonb NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    // Listing filters by owner or visibility first, then pages over (created_at, id) by default.
    await q.query('CREATE INDEX idx_images_owner ON images (owner) WHERE deleted_at IS NULL');
    await q.query('CREATE INDEX idx_images_visibility ON images (visibility) WHERE deleted_at IS NULL');
    await q.query('CREATE INDEX idx_images_created_at ON images (created_at, id) WHERE deleted_at IS NULL');
    await q.query(`
      CREATE TABLE image_members (
        image_id uuid NOT NULL REFERENCES images(id) ON DELETE CASCADE,
        member varchar(255) NOT NULL,
        status varchar(20) NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (image_id, member)
      )`);
    await q.query('CREATE INDEX idx_image_members_member ON image_members (member)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE image_members');
    await q.query('DROP TABLE images');
  }
}
