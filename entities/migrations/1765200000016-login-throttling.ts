import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Login throttling: Keystone's failed_auth_count and failed_auth_at (its local_user columns) and
 * its ignore_lockout_failure_attempts user option, per user; failed logins per client address.
 */
export class LoginThrottling1765200000016 implements MigrationInterface {
  name = 'LoginThrottling1765200000016';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE users ADD COLUMN failed_auth_count integer NOT NULL DEFAULT 0,
                   ADD COLUMN failed_auth_at timestamptz,
                   ADD COLUMN ignore_lockout_failure_attempts boolean NOT NULL DEFAULT false`);
    await q.query(`CREATE TABLE login_failures (
                     source varchar(64) PRIMARY KEY,
                     failures integer NOT NULL,
                     window_start timestamptz NOT NULL)`);
    // Token pruning finds revoked tokens by this (expired ones by idx_tokens_expires_at).
    await q.query('CREATE INDEX idx_tokens_revoked ON tokens (revoked_at) WHERE revoked_at IS NOT NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX idx_tokens_revoked');
    await q.query('DROP TABLE login_failures');
    await q.query(`ALTER TABLE users DROP COLUMN failed_auth_count, DROP COLUMN failed_auth_at,
                   DROP COLUMN ignore_lockout_failure_attempts`);
  }
}
