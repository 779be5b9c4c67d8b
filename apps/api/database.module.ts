import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { type Settings } from '../../common/config';
import { createDataSource } from '../../entities/data-source';
import { SETTINGS } from './settings.module';

/** The API's pool on PostgreSQL; the schema is the migrations', never synchronized. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [SETTINGS],
      useFactory: (settings: Settings) => createDataSource(settings.env.databaseUrl!).options,
    }),
  ],
})
export class DatabaseModule {}
