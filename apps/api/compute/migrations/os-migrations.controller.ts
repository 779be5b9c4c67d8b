import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { type Settings } from '../../../../common/config';
import { type AuthContext, Caller } from '../../common/auth/auth-context';
import { enforce } from '../../common/policy';
import { SETTINGS } from '../../settings.module';
import { type ApiVersion, Microversion } from '../microversion';
import { listMigrations } from './migration-list';
import { MIGRATION_LIST_PARAMS, migrationListQuery } from './migration-list-query';
import { migrationView } from './migration.view';
import { migrationsNextLink } from './migrations-next-link';
import { QueryParams, Returns } from '../../common/openapi';
import { collection, MIGRATION } from '../compute-shapes';

/** os-migrations (admin): every move of every instance, filtered and, from 2.59, paged. */
@ApiTags('compute: servers')
@Controller('compute/v2.1/os-migrations')
export class OsMigrationsController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @QueryParams(MIGRATION_LIST_PARAMS)
  @Returns(200, collection('migrations', MIGRATION))
  @Get()
  async list(
    @Caller() caller: AuthContext,
    @Microversion() v: ApiVersion,
    @Query() query: Record<string, unknown>,
  ) {
    enforce(caller, 'os_compute_api:os-migrations:index');
    const maxLimit = this.settings.config.api.max_limit;
    const asked = migrationListQuery(query, v, maxLimit);
    const migrations = await listMigrations(this.dataSource, asked);
    const publicUrl = this.settings.env.publicUrl;
    const links = asked.page && migrationsNextLink(publicUrl, query, migrations, maxLimit);
    return {
      migrations: migrations.map((migration) => migrationView(migration, v, publicUrl)),
      ...(links && { migrations_links: links }),
    };
  }
}
