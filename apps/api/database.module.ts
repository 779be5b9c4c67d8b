import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { type Config, type Settings } from '../../common/config';
import { type Logger as TypeOrmLogger } from 'typeorm';
import { createDataSource } from '../../entities/data-source';
import { countQuery } from './common/request-context';
import { SETTINGS } from './settings.module';

/** TypeORM's logger: logs nothing, counts each statement against its request's metrics. */
const queryCounter: TypeOrmLogger = {
  logQuery: countQuery,
  logQueryError: () => undefined,
  logQuerySlow: () => undefined,
  logSchemaBuild: () => undefined,
  logMigration: () => undefined,
  log: () => undefined,
};

/**
 * Seconds an API statement may run: [database] statement_timeout, never longer than [api]
 * request_timeout, so that a request answered 503 leaves no query of its own running behind it.
 */
export function apiStatementTimeout(config: Config): number {
  const { statement_timeout: statement } = config.database;
  const { request_timeout: request } = config.api;
  if (request === 0) return statement;
  return statement === 0 ? request : Math.min(statement, request);
}

/** The API's pool on PostgreSQL; the schema is the migrations', never synchronized. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [SETTINGS],
      useFactory: (settings: Settings) => ({
        ...createDataSource(settings.env.databaseUrl!, {
          statementTimeoutMs: apiStatementTimeout(settings.config) * 1000,
        }).options,
        logger: queryCounter,
      }),
    }),
  ],
})
export class DatabaseModule {}
