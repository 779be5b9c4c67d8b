import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource, type EntityManager } from 'typeorm';
import { conflictMessage, mayStart, OPERATIONS } from '../../../../common/compute/instance-states';
import { projectLimits } from '../../../../common/compute/quotas';
import { type Settings } from '../../../../common/config';
import { type Instance, InstanceMetadata } from '../../../../entities';
import { ApiError, conflict, forbidden, notFound } from '../../common/api-error';
import { type AuthContext, Caller, isAdmin } from '../../common/auth/auth-context';
import { JsonSchemaBody, Returns } from '../../common/openapi';
import { enforce, type PolicyAction } from '../../common/policy';
import { validateBody } from '../../common/validation';
import { SETTINGS } from '../../settings.module';
import { ServerReader } from './server-reader';
import { metadataItemSchema, metadataSchema } from './server.schemas';
import { mapOf, str, wrapped } from '../../common/openapi-shapes';

type Metadata = Record<string, string>;

/** Server metadata: read it any time; change it only when no task runs on the server, as Nova. */
@ApiTags('compute: servers')
@Controller('compute/v2.1/servers/:serverId/metadata')
export class ServerMetadataController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly reader: ServerReader,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  private async current(db: EntityManager, uuid: string): Promise<Metadata> {
    const rows = await db.getRepository(InstanceMetadata).findBy({ instanceUuid: uuid });
    return Object.fromEntries(rows.map((row) => [row.key, row.value]));
  }

  private async instance(caller: AuthContext, serverId: string, action: PolicyAction): Promise<Instance> {
    const instance = await this.reader.find(caller, serverId);
    enforce(caller, action, { projectId: instance.projectId });
    return instance;
  }

  /** Replaces (or merges into) the metadata in one transaction, within lock, quota and task rules. */
  private async write(
    caller: AuthContext,
    instance: Instance,
    metadata: Metadata,
    replace: boolean,
  ): Promise<Metadata> {
    return this.dataSource.transaction(async (db) => {
      const [state] = await db.query(
        'SELECT vm_state, task_state, locked FROM instances WHERE uuid = $1 FOR UPDATE',
        [instance.uuid],
      );
      // Nova's check_instance_lock comes before the state check; admins are not held by a lock.
      if (state.locked && !isAdmin(caller)) throw conflict(`Instance ${instance.uuid} is locked`);
      const current = { vmState: state.vm_state, taskState: state.task_state };
      if (!mayStart(OPERATIONS.update_metadata, current)) {
        throw new ApiError(
          'conflictingRequest',
          conflictMessage(OPERATIONS.update_metadata, instance.uuid, current),
        );
      }
      const merged = replace ? metadata : { ...(await this.current(db, instance.uuid)), ...metadata };
      const limit = (await projectLimits(db, this.settings.config, instance.projectId)).metadata_items;
      if (limit >= 0 && Object.keys(merged).length > limit)
        throw forbidden('Quota exceeded, too many metadata items.');
      await db.getRepository(InstanceMetadata).delete({ instanceUuid: instance.uuid });
      const rows = Object.entries(merged).map(([key, value]) => ({
        instanceUuid: instance.uuid,
        key,
        value,
      }));
      if (rows.length > 0) await db.getRepository(InstanceMetadata).insert(rows);
      await db.query('UPDATE instances SET updated_at = now() WHERE uuid = $1', [instance.uuid]);
      return merged;
    });
  }

  @Returns(200, wrapped('metadata', mapOf(str)))
  @Get()
  async list(@Caller() caller: AuthContext, @Param('serverId') serverId: string) {
    const instance = await this.instance(caller, serverId, 'os_compute_api:server-metadata:index');
    return { metadata: await this.current(this.dataSource.manager, instance.uuid) };
  }

  @Returns(200, wrapped('meta', mapOf(str)))
  @Get(':key')
  async show(@Caller() caller: AuthContext, @Param('serverId') serverId: string, @Param('key') key: string) {
    const instance = await this.instance(caller, serverId, 'os_compute_api:server-metadata:show');
    const metadata = await this.current(this.dataSource.manager, instance.uuid);
    if (!Object.hasOwn(metadata, key)) throw notFound('Metadata item was not found');
    return { meta: { [key]: metadata[key] } };
  }

  @Returns(200, wrapped('metadata', mapOf(str)))
  @Post()
  @HttpCode(200)
  @JsonSchemaBody(metadataSchema)
  async merge(@Caller() caller: AuthContext, @Param('serverId') serverId: string, @Body() body: unknown) {
    const instance = await this.instance(caller, serverId, 'os_compute_api:server-metadata:create');
    const { metadata } = validateBody<{ metadata: Metadata }>(metadataSchema, body);
    return { metadata: await this.write(caller, instance, metadata, false) };
  }

  @Returns(200, wrapped('metadata', mapOf(str)))
  @Put()
  @JsonSchemaBody(metadataSchema)
  async replace(@Caller() caller: AuthContext, @Param('serverId') serverId: string, @Body() body: unknown) {
    const instance = await this.instance(caller, serverId, 'os_compute_api:server-metadata:update_all');
    const { metadata } = validateBody<{ metadata: Metadata }>(metadataSchema, body);
    return { metadata: await this.write(caller, instance, metadata, true) };
  }

  @Returns(200, wrapped('meta', mapOf(str)))
  @Put(':key')
  @JsonSchemaBody(metadataItemSchema)
  async set(
    @Caller() caller: AuthContext,
    @Param('serverId') serverId: string,
    @Param('key') key: string,
    @Body() body: unknown,
  ) {
    const instance = await this.instance(caller, serverId, 'os_compute_api:server-metadata:update');
    const { meta } = validateBody<{ meta: Metadata }>(metadataItemSchema, body);
    if (!Object.hasOwn(meta, key)) throw new ApiError('badRequest', 'Request body and URI mismatch');
    await this.write(caller, instance, meta, false);
    return { meta };
  }

  @Returns(204)
  @Delete(':key')
  @HttpCode(204)
  async remove(
    @Caller() caller: AuthContext,
    @Param('serverId') serverId: string,
    @Param('key') key: string,
  ) {
    const instance = await this.instance(caller, serverId, 'os_compute_api:server-metadata:delete');
    const metadata = await this.current(this.dataSource.manager, instance.uuid);
    if (!Object.hasOwn(metadata, key)) throw notFound('Metadata item was not found');
    const { [key]: _removed, ...rest } = metadata;
    await this.write(caller, instance, rest, true);
  }
}
