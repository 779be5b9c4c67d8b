import { DataSource } from 'typeorm';
import { ENTITIES, MIGRATIONS } from './index';

/** The schema comes from migrations only: `synchronize` stays off everywhere. */
export function createDataSource(
  url: string,
  options: {
    poolSize?: number;
    applicationName?: string;
    /** PostgreSQL's statement_timeout of every connection, in milliseconds (0 or none: never). */
    statementTimeoutMs?: number;
  } = {},
) {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'each',
    extra: {
      max: options.poolSize ?? 10,
      application_name: options.applicationName ?? 'novaflow',
      ...(options.statementTimeoutMs && { statement_timeout: options.statementTimeoutMs }),
    },
  });
}

/** Runs pending migrations under an advisory lock, so two starting processes never race. */
export async function migrate(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(7461001)');
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await runner.query('SELECT pg_advisory_unlock(7461001)').catch(() => undefined);
    await runner.release();
  }
}
