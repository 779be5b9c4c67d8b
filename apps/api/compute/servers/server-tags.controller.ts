import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Put, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { type Response } from 'express';
import { DataSource, type EntityManager } from 'typeorm';
import { type Settings } from '../../../../common/config';
import { type Instance, InstanceTag } from '../../../../entities';
import { ApiError, notFound } from '../../common/api-error';
import { type AuthContext, Caller } from '../../common/auth/auth-context';
import { JsonSchemaBody, Returns } from '../../common/openapi';
import { enforce, type PolicyAction } from '../../common/policy';
import { validateBody } from '../../common/validation';
import { SETTINGS } from '../../settings.module';
import { type ApiVersion, Microversion } from '../microversion';
import { ServerReader } from './server-reader';
import { checkTag, checkTaggable, MAX_TAG_COUNT, tagsOf, tagsSchema } from './server-tags';
import { arr, str, wrapped } from '../../common/openapi-shapes';

/** Below 2.26 the resource does not exist: Nova's 404 for a method of a later microversion. */
function since226(v: ApiVersion): void {
  if (!v.atLeast('2.26')) throw new ApiError('itemNotFound', 'The resource could not be found.');
}

/** Server tags (2.26): read any time; changed only while the server is in a steady vm_state. */
@ApiTags('compute: servers')
@Controller('compute/v2.1/servers/:serverId/tags')
export class ServerTagsController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly reader: ServerReader,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  private async instance(caller: AuthContext, serverId: string, v: ApiVersion, action: string) {
    since226(v);
    const instance = await this.reader.find(caller, serverId);
    enforce(caller, `os_compute_api:os-server-tags:${action}` as PolicyAction, {
      projectId: instance.projectId,
    });
    return instance;
  }

  /** Runs a change with the instance row locked, after Nova's vm_state check. */
  private change<T>(instance: Instance, action: string, work: (db: EntityManager) => Promise<T>) {
    return this.dataSource.transaction(async (db) => {
      const [row] = await db.query('SELECT vm_state FROM instances WHERE uuid = $1 FOR UPDATE', [
        instance.uuid,
      ]);
      checkTaggable(instance.uuid, row.vm_state, action);
      return work(db);
    });
  }

  @Returns(200, wrapped('tags', arr(str)))
  @Get()
  async list(
    @Caller() caller: AuthContext,
    @Param('serverId') serverId: string,
    @Microversion() v: ApiVersion,
  ) {
    const instance = await this.instance(caller, serverId, v, 'index');
    return { tags: await tagsOf(this.dataSource.manager, instance.uuid) };
  }

  @Returns(204)
  @Get(':tag')
  @HttpCode(204)
  async show(
    @Caller() caller: AuthContext,
    @Param('serverId') serverId: string,
    @Param('tag') tag: string,
    @Microversion() v: ApiVersion,
  ) {
    const instance = await this.instance(caller, serverId, v, 'show');
    const found = await this.dataSource
      .getRepository(InstanceTag)
      .existsBy({ instanceUuid: instance.uuid, tag });
    if (!found) throw notFound(`Server ${serverId} has no tag '${tag}'`);
  }

  @Returns(200, wrapped('tags', arr(str)))
  @Put()
  @JsonSchemaBody(tagsSchema)
  async replace(
    @Caller() caller: AuthContext,
    @Param('serverId') serverId: string,
    @Body() body: unknown,
    @Microversion() v: ApiVersion,
  ) {
    since226(v);
    const { tags } = validateBody<{ tags: string[] }>(tagsSchema, body);
    const instance = await this.instance(caller, serverId, v, 'update_all');
    return this.change(instance, 'update tags', async (db) => {
      await db.getRepository(InstanceTag).delete({ instanceUuid: instance.uuid });
      const rows = [...new Set(tags)].map((tag) => ({ instanceUuid: instance.uuid, tag }));
      if (rows.length > 0) await db.getRepository(InstanceTag).insert(rows);
      return { tags: await tagsOf(db, instance.uuid) };
    });
  }

  /** 201 with the tag's Location when it is new, 204 when the server already had it. */
  @Returns(201)
  @Returns(204)
  @Put(':tag')
  async add(
    @Caller() caller: AuthContext,
    @Param('serverId') serverId: string,
    @Param('tag') tag: string,
    @Microversion() v: ApiVersion,
    @Res({ passthrough: true }) res: Response,
  ) {
    const instance = await this.instance(caller, serverId, v, 'update');
    const created = await this.change(instance, 'update tag', async (db) => {
      checkTag(tag);
      // As Nova, the limit is checked before whether the tag is already there.
      const tags = await tagsOf(db, instance.uuid);
      if (tags.length >= MAX_TAG_COUNT) {
        throw new ApiError('badRequest', `The number of tags exceeded the per-server limit ${MAX_TAG_COUNT}`);
      }
      if (tags.includes(tag)) return false;
      await db.getRepository(InstanceTag).insert({ instanceUuid: instance.uuid, tag });
      return true;
    });
    if (!created) {
      res.status(204);
      return;
    }
    res.status(201);
    res.setHeader(
      'Location',
      `${this.settings.env.publicUrl}/compute/v2.1/servers/${instance.uuid}/tags/${encodeURIComponent(tag)}`,
    );
  }

  @Returns(204)
  @Delete()
  @HttpCode(204)
  async clear(
    @Caller() caller: AuthContext,
    @Param('serverId') serverId: string,
    @Microversion() v: ApiVersion,
  ) {
    const instance = await this.instance(caller, serverId, v, 'delete_all');
    await this.change(instance, 'delete tags', (db) =>
      db.getRepository(InstanceTag).delete({ instanceUuid: instance.uuid }),
    );
  }

  @Returns(204)
  @Delete(':tag')
  @HttpCode(204)
  async remove(
    @Caller() caller: AuthContext,
    @Param('serverId') serverId: string,
    @Param('tag') tag: string,
    @Microversion() v: ApiVersion,
  ) {
    const instance = await this.instance(caller, serverId, v, 'delete');
    await this.change(instance, 'delete tag', async (db) => {
      const { affected } = await db.getRepository(InstanceTag).delete({ instanceUuid: instance.uuid, tag });
      if (!affected) throw notFound(`Instance ${instance.uuid} has no tag '${tag}'`);
    });
  }
}
