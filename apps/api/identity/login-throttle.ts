import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type Settings } from '../../../common/config';
import { ApiError } from '../common/api-error';
import { SETTINGS } from '../settings.module';

/**
 * What a failed password login costs its user and its source, decided before any hash is spent:
 *
 * - per user, Keystone's lockout ([security_compliance] lockout_failure_attempts in a row lock the
 *   user for lockout_duration seconds; Keystone's 401 "The account is locked for user: <id>."
 *   even with the right password; a success resets the count; users with
 *   ignore_lockout_failure_attempts are never locked);
 * - per client address, Novaflow's own ([identity] source_failure_attempts within
 *   source_lockout_duration seconds of the first, then 429 with Retry-After until that window
 *   ends), which also covers names that are no user and users exempt from lockout.
 *
 * Both live in the database (with its clock), so every API process counts the same failures.
 */
@Injectable()
export class LoginThrottle {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  private get user() {
    return this.settings.config.security_compliance;
  }

  private get source() {
    return this.settings.config.identity;
  }

  /** Raises 429 when `source` has used up its failed logins for now. */
  async checkSource(source: string): Promise<void> {
    if (this.source.source_failure_attempts === 0) return;
    const [row]: { failures: number; retry_after: number }[] = await this.dataSource.query(
      `SELECT failures,
              ceil(extract(epoch FROM window_start + make_interval(secs => $2) - now()))::int AS retry_after
         FROM login_failures WHERE source = $1 AND window_start > now() - make_interval(secs => $2)`,
      [source, this.source.source_lockout_duration],
    );
    if (!row || row.failures < this.source.source_failure_attempts) return;
    const retryAfter = Math.max(1, row.retry_after);
    const error = new ApiError(
      'overLimit',
      `Too many failed logins from ${source}; try again in ${retryAfter} seconds.`,
      undefined,
      429,
    );
    error.headers = { 'Retry-After': String(retryAfter) };
    throw error;
  }

  async recordSourceFailure(source: string): Promise<void> {
    if (this.source.source_failure_attempts === 0) return;
    await this.dataSource.query(
      `INSERT INTO login_failures (source, failures, window_start) VALUES ($1, 1, now())
       ON CONFLICT (source) DO UPDATE SET
         failures = CASE WHEN login_failures.window_start > now() - make_interval(secs => $2)
                         THEN login_failures.failures + 1 ELSE 1 END,
         window_start = CASE WHEN login_failures.window_start > now() - make_interval(secs => $2)
                             THEN login_failures.window_start ELSE now() END`,
      [source, this.source.source_lockout_duration],
    );
  }

  /** Whether the user is locked out now (Keystone's _is_account_locked). */
  async userLocked(userId: string): Promise<boolean> {
    if (this.user.lockout_failure_attempts === 0) return false;
    const [row]: { locked: boolean }[] = await this.dataSource.query(
      `SELECT failed_auth_count >= $2 AND failed_auth_at > now() - make_interval(secs => $3) AS locked
         FROM users WHERE id = $1 AND NOT ignore_lockout_failure_attempts`,
      [userId, this.user.lockout_failure_attempts, this.user.lockout_duration],
    );
    return row?.locked === true;
  }

  /** Counts a wrong password; a count whose lockout has passed starts again from this failure. */
  async recordUserFailure(userId: string): Promise<void> {
    if (this.user.lockout_failure_attempts === 0) return;
    await this.dataSource.query(
      `UPDATE users SET failed_auth_at = now(),
              failed_auth_count = CASE WHEN failed_auth_count >= $2
                                        AND failed_auth_at <= now() - make_interval(secs => $3)
                                       THEN 1 ELSE failed_auth_count + 1 END
        WHERE id = $1 AND NOT ignore_lockout_failure_attempts`,
      [userId, this.user.lockout_failure_attempts, this.user.lockout_duration],
    );
  }

  /** A successful login clears the user's failures, as Keystone's _reset_failed_auth. */
  async resetUser(userId: string): Promise<void> {
    await this.dataSource.query(
      'UPDATE users SET failed_auth_count = 0, failed_auth_at = NULL WHERE id = $1 AND failed_auth_count > 0',
      [userId],
    );
  }

  /** Forgets sources whose window has ended, at most `batch` of them; returns how many. */
  async pruneSources(batch: number): Promise<number> {
    const [{ pruned }]: { pruned: number }[] = await this.dataSource.query(
      `WITH gone AS (
         DELETE FROM login_failures WHERE source IN (
           SELECT source FROM login_failures
            WHERE window_start <= now() - make_interval(secs => $1) LIMIT $2)
         RETURNING 1)
       SELECT count(*)::int AS pruned FROM gone`,
      [this.source.source_lockout_duration, batch],
    );
    return pruned;
  }
}

/** The client's address as the socket has it (an IPv4 client on a dual-stack socket as IPv4). */
export function clientAddress(remoteAddress: string | undefined): string {
  return (remoteAddress ?? 'unknown').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}
