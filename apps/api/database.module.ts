import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { type Config, type Settings } from '../../common/config';
import { createDataSource } from '../../entities/data-source';
import { SETTINGS } from './settings.module';

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
      useFactory: (settings: Settings) =>
        createDataSource(settings.env.databaseUrl!, {
          statementTimeoutMs: apiStatementTimeout(settings.config) * 1000,
        }).options,
    }),
  ],
})
export class DatabaseModule {}
