import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource, In, IsNull } from 'typeorm';
import { LIVE_MIGRATION_IN_PROGRESS, MigrationType } from '../../../../common/compute/migrations';
import { InstanceMigration } from '../../../../entities';
import { ApiError, badRequest, notFound } from '../../common/api-error';
import { type AuthContext, Caller } from '../../common/auth/auth-context';
import { JsonSchemaBody, Returns } from '../../common/openapi';
import { enforce, type PolicyAction } from '../../common/policy';
import { requestId } from '../../common/request-context';
import { validateBody } from '../../common/validation';
import { type ApiVersion, Microversion } from '../microversion';
import { ServerReader } from '../servers/server-reader';
import { migrationOfInstance } from './instance-migration-lookup';
import { LiveMigrationControls } from './live-migration-controls';
import { isLiveMigrationInProgress, serverMigrationView } from './migration.view';
import { arr, wrapped } from '../../common/openapi-shapes';
import { MIGRATION } from '../compute-shapes';

/** schemas/server_migrations.py force_complete. */
const forceCompleteSchema = {
  type: 'object',
  properties: { force_complete: { type: 'null' } },
  required: ['force_complete'],
  additionalProperties: false,
};

/** Below a method's microversion Nova answers a bare 404. */
function since(v: ApiVersion, version: string): void {
  if (!v.atLeast(version)) throw new ApiError('itemNotFound', 'The resource could not be found.');
}

/**
 * The live migrations of one server (2.23): listed and shown while in progress; aborted (2.24,
 * DELETE) and forced to complete (2.22, the force_complete action).
 */
@ApiTags('compute: servers')
@Controller('compute/v2.1/servers/:serverId/migrations')
export class ServerMigrationsController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly reader: ServerReader,
    private readonly controls: LiveMigrationControls,
  ) {}

  /** The server (Nova's 404) and then the policy on its project (403), Nova's order. */
  private async instance(caller: AuthContext, serverId: string, action: string) {
    const instance = await this.reader.find(caller, serverId);
    enforce(caller, `os_compute_api:servers:migrations:${action}` as PolicyAction, {
      projectId: instance.projectId,
    });
    return instance;
  }

  @Returns(200, wrapped('migrations', arr(MIGRATION)))
  @Get()
  async list(
    @Caller() caller: AuthContext,
    @Param('serverId') serverId: string,
    @Microversion() v: ApiVersion,
  ) {
    since(v, '2.23');
    const instance = await this.instance(caller, serverId, 'index');
    const migrations = await this.dataSource.getRepository(InstanceMigration).find({
      where: {
        instanceUuid: instance.uuid,
        migrationType: MigrationType.LIVE_MIGRATION,
        status: In([...LIVE_MIGRATION_IN_PROGRESS]),
        deletedAt: IsNull(),
      },
      order: { id: 'ASC' },
    });
    return { migrations: migrations.map((migration) => serverMigrationView(migration, v)) };
  }

  @Returns(200, wrapped('migration', MIGRATION))
  @Get(':migrationId')
  async show(
    @Caller() caller: AuthContext,
    @Param('serverId') serverId: string,
    @Param('migrationId') migrationId: string,
    @Microversion() v: ApiVersion,
  ) {
    since(v, '2.23');
    const instance = await this.instance(caller, serverId, 'show');
    const migration = await migrationOfInstance(this.dataSource.manager, migrationId, instance.uuid);
    if (!migration)
      throw notFound(`In-progress live migration ${migrationId} is not found for server ${serverId}.`);
    if (migration.migrationType !== MigrationType.LIVE_MIGRATION)
      throw notFound(`Migration ${migrationId} for server ${serverId} is not live-migration.`);
    if (!isLiveMigrationInProgress(migration))
      throw notFound(`Live migration ${migrationId} for server ${serverId} is not in progress.`);
    return { migration: serverMigrationView(migration, v) };
  }

  /** Aborts the live migration: 202, its workflow cancelled. */
  @Returns(202)
  @Delete(':migrationId')
  @HttpCode(202)
  async abort(
    @Caller() caller: AuthContext,
    @Param('serverId') serverId: string,
    @Param('migrationId') migrationId: string,
    @Microversion() v: ApiVersion,
  ): Promise<void> {
    since(v, '2.24');
    const instance = await this.instance(caller, serverId, 'delete');
    await this.controls.abort(
      { caller, instance, serverId, migrationId, requestId: requestId() },
      v.atLeast('2.65'),
    );
  }

  /** POST .../migrations/{id}/action {"force_complete": null}: 202, the workflow signalled. */
  @Returns(202)
  @Post(':migrationId/action')
  @HttpCode(202)
  @JsonSchemaBody(forceCompleteSchema)
  async act(
    @Caller() caller: AuthContext,
    @Param('serverId') serverId: string,
    @Param('migrationId') migrationId: string,
    @Body() body: unknown,
    @Microversion() v: ApiVersion,
  ): Promise<void> {
    // Nova's action_peek first: one key, naming an action of this resource.
    const keys = typeof body === 'object' && body !== null && !Array.isArray(body) ? Object.keys(body) : [];
    if (keys.length !== 1) throw badRequest('Malformed request body');
    if (keys[0] !== 'force_complete') throw badRequest(`There is no such action: ${keys[0]}`);
    since(v, '2.22');
    validateBody(forceCompleteSchema, body);
    const instance = await this.instance(caller, serverId, 'force_complete');
    await this.controls.forceComplete({ caller, instance, serverId, migrationId, requestId: requestId() });
  }
}
