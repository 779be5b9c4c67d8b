import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type Settings } from '../../../common/config';
import { type Logger } from '../../../common/logger';
import { PeriodicTask } from '../common/periodic-task';
import { LOGGER, SETTINGS } from '../settings.module';
import { LoginThrottle } from './login-throttle';

/** Rows one statement deletes, and statements one pass runs: a backlog goes over several passes. */
const BATCH = 1000;
const BATCHES_PER_PASS = 20;
/** Held by the process pruning, so that several API processes do not all scan the tables at once. */
const PRUNE_LOCK = 7461004;

/**
 * keystone-manage token_flush, run by the API itself every [token] prune_interval: deletes
 * expired and revoked tokens (neither validates any more; a revoked token's row only said so)
 * and the per-source login failures whose window has ended. Idempotent; one process at a time.
 */
@Injectable()
export class TokenPruner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly task: PeriodicTask;

  constructor(
    private readonly dataSource: DataSource,
    private readonly throttle: LoginThrottle,
    @Inject(SETTINGS) settings: Settings,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const intervalMs = settings.config.token.prune_interval * 1000;
    this.task = new PeriodicTask('token pruning', intervalMs, async () => void (await this.prune()), logger);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.task.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** One pass; returns how many tokens it deleted (0 when another process holds the pass). */
  async prune(): Promise<number> {
    let tokens = 0;
    let sources = 0;
    for (let batch = 0; batch < BATCHES_PER_PASS; batch++) {
      const deleted = await this.dataSource.transaction(async (db) => {
        const [{ locked }]: { locked: boolean }[] = await db.query(
          'SELECT pg_try_advisory_xact_lock($1) AS locked',
          [PRUNE_LOCK],
        );
        if (!locked) return undefined;
        const [{ pruned }]: { pruned: number }[] = await db.query(
          `WITH gone AS (
             DELETE FROM tokens WHERE digest IN (
               SELECT digest FROM tokens WHERE expires_at <= now() OR revoked_at IS NOT NULL LIMIT $1)
             RETURNING 1)
           SELECT count(*)::int AS pruned FROM gone`,
          [BATCH],
        );
        return pruned;
      });
      if (deleted === undefined) break;
      tokens += deleted;
      if (deleted < BATCH) break;
    }
    for (let batch = 0; batch < BATCHES_PER_PASS; batch++) {
      const deleted = await this.throttle.pruneSources(BATCH);
      sources += deleted;
      if (deleted < BATCH) break;
    }
    if (tokens + sources > 0) this.logger.info({ tokens, sources }, 'pruned expired and revoked tokens');
    return tokens;
  }
}
