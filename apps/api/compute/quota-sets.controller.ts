import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { JsonSchemaBody, Returns } from '../common/openapi';
import { DataSource } from 'typeorm';
import {
  classLegacyNetworkLimits,
  classLimits,
  DEFAULT_QUOTA_CLASS,
  projectLegacyNetworkLimits,
  projectLimits,
  projectUsage,
  type QuotaLimits,
  type QuotaResource,
} from '../../../common/compute/quotas';
import { type Settings } from '../../../common/config';
import { ApiError } from '../common/api-error';
import { type AuthContext, Caller } from '../common/auth/auth-context';
import { enforce } from '../common/policy';
import { validateBody } from '../common/validation';
import { SETTINGS } from '../settings.module';
import { type ApiVersion, Microversion } from './microversion';
import { NETWORK_QUOTAS, QUOTA_SET_UPDATE_SCHEMA, quotaSetFields, shownOnly } from './quota-fields';
import { anyValue, mapOf, wrapped } from '../common/openapi-shapes';

/** os-quota-sets: a project's limits, their defaults, their usage; admins change them. */
@ApiTags('compute: limits and quotas')
@Controller('compute/v2.1/os-quota-sets/:projectId')
export class QuotaSetsController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** A project's limits as a microversion shows them (FILTERED_QUOTAS_2_36 / 2_57). */
  private async limits(projectId: string, v: ApiVersion): Promise<Record<string, number>> {
    const db = this.dataSource.manager;
    const fields = quotaSetFields(v);
    const limits = await projectLimits(db, this.settings.config, projectId);
    const network = fields.network ? await projectLegacyNetworkLimits(db, projectId) : {};
    return shownOnly({ ...limits, ...network }, fields);
  }

  @Returns(200, wrapped('quota_set', mapOf(anyValue)))
  @Get()
  async show(
    @Caller() caller: AuthContext,
    @Param('projectId') projectId: string,
    @Microversion() v: ApiVersion,
  ) {
    enforce(caller, 'os_compute_api:os-quota-sets:show', { projectId });
    return { quota_set: { id: projectId, ...(await this.limits(projectId, v)) } };
  }

  @Returns(200, wrapped('quota_set', mapOf(anyValue)))
  @Get('defaults')
  async defaults(
    @Caller() caller: AuthContext,
    @Param('projectId') projectId: string,
    @Microversion() v: ApiVersion,
  ) {
    enforce(caller, 'os_compute_api:os-quota-sets:defaults');
    // Nova's get_defaults: the 'default' quota class over the [quota] options.
    const db = this.dataSource.manager;
    const fields = quotaSetFields(v);
    const limits = await classLimits(db, this.settings.config, DEFAULT_QUOTA_CLASS);
    const network = fields.network ? await classLegacyNetworkLimits(db, DEFAULT_QUOTA_CLASS) : {};
    return { quota_set: { id: projectId, ...shownOnly({ ...limits, ...network }, fields) } };
  }

  @Returns(200, wrapped('quota_set', mapOf(anyValue)))
  @Get('detail')
  async detail(
    @Caller() caller: AuthContext,
    @Param('projectId') projectId: string,
    @Microversion() v: ApiVersion,
  ) {
    enforce(caller, 'os_compute_api:os-quota-sets:detail', { projectId });
    const limits = await this.limits(projectId, v);
    const usage = await this.usage(projectId, caller);
    const detail = Object.fromEntries(
      Object.entries(limits).map(([resource, limit]) => [
        resource,
        { limit, in_use: usage[resource as QuotaResource] ?? 0, reserved: 0 },
      ]),
    );
    return { quota_set: { id: projectId, ...detail } };
  }

  private async usage(projectId: string, caller: AuthContext): Promise<Partial<QuotaLimits>> {
    const usage = await projectUsage(this.dataSource.manager, projectId);
    const [{ key_pairs }] = await this.dataSource.query(
      'SELECT count(*)::int AS key_pairs FROM key_pairs WHERE user_id = $1',
      [caller.userId],
    );
    return { ...usage, key_pairs };
  }

  @Returns(200, wrapped('quota_set', mapOf(anyValue)))
  @Put()
  @JsonSchemaBody(QUOTA_SET_UPDATE_SCHEMA)
  async update(
    @Caller() caller: AuthContext,
    @Param('projectId') projectId: string,
    @Body() body: unknown,
    @Microversion() v: ApiVersion,
  ) {
    enforce(caller, 'os_compute_api:os-quota-sets:update');
    const { quota_set } = validateBody<{ quota_set: Record<string, number | string | boolean> }>(
      quotaSetFields(v).updateSchema,
      body,
    );
    // Only pre-2.36 schemas let 'networks' through, for Nova to refuse it in its own words.
    if ('networks' in quota_set) throw new ApiError('badRequest', 'The networks quota has been removed');
    const force = ['true', 'True', true].includes(quota_set.force as string | boolean);
    const requested = Object.entries(quota_set).filter(([key]) => key !== 'force') as [
      QuotaResource,
      number | string,
    ][];
    const usage = await this.usage(projectId, caller);
    await this.dataSource.transaction(async (db) => {
      for (const [resource, raw] of requested) {
        const limit = Number(raw);
        const used = (NETWORK_QUOTAS as string[]).includes(resource) ? 0 : (usage[resource] ?? 0);
        if (!force && limit !== -1 && limit < used) {
          throw new ApiError(
            'badRequest',
            `Quota limit ${limit} for ${resource} must be greater than or equal to already used and reserved ${used}.`,
          );
        }
        await db.query(
          `INSERT INTO quotas (project_id, resource, hard_limit) VALUES ($1, $2, $3)
           ON CONFLICT (project_id, resource) DO UPDATE SET hard_limit = EXCLUDED.hard_limit`,
          [projectId, resource, limit],
        );
      }
    });
    // Nova's update answers without the id.
    return { quota_set: await this.limits(projectId, v) };
  }

  @Returns(202)
  @Delete()
  @HttpCode(202)
  async revert(@Caller() caller: AuthContext, @Param('projectId') projectId: string): Promise<void> {
    enforce(caller, 'os_compute_api:os-quota-sets:delete');
    await this.dataSource.query('DELETE FROM quotas WHERE project_id = $1', [projectId]);
  }
}
