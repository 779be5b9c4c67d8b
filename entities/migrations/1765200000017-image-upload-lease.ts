import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * An image in `saving` carries the lease of the upload writing it, renewed while the upload
 * lives; one whose lease ran out was cut by a crash and goes back to `queued`.
 */
export class ImageUploadLease1765200000017 implements MigrationInterface {
  name = 'ImageUploadLease1765200000017';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE images ADD COLUMN upload_lease_until timestamptz');
    // Images a crash left in saving before there were leases: expired at once.
    await q.query(`UPDATE images SET upload_lease_until = now() WHERE status = 'saving'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE images DROP COLUMN upload_lease_until');
  }
}
