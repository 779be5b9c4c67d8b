import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { JsonSchemaBody } from '../common/openapi';
import { DataSource } from 'typeorm';
import {
  defaultLimits,
  LEGACY_NETWORK_QUOTAS,
  projectLimits,
  projectUsage,
  QUOTA_RESOURCES,
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

const INJECTED = ['injected_files', 'injected_file_content_bytes', 'injected_file_path_length'];
const quotaValue = { type: ['integer', 'string'], pattern: '^-?[0-9]+$', minimum: -1, maximum: 2147483647 };

const quotaUpdateSchema = {
  type: 'object',
  required: ['quota_set'],
  additionalProperties: false,
  properties: {
    quota_set: {
      type: 'object',
      additionalProperties: false,
      properties: {
        ...Object.fromEntries(QUOTA_RESOURCES.map((resource) => [resource, quotaValue])),
        force: { type: ['boolean', 'string'] },
      },
    },
  },
};

/** os-quota-sets: a project's limits, their defaults, their usage; admins change them. */
@ApiTags('compute: limits and quotas')
@Controller('compute/v2.1/os-quota-sets/:projectId')
export class QuotaSetsController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** The resources a microversion shows: no injected files from 2.57, no network quotas from 2.36. */
  private shape<T>(values: Record<string, T>, v: ApiVersion, legacy: (value: number) => T) {
    return {
      ...Object.fromEntries(
        Object.entries(values).filter(([resource]) => !(v.atLeast('2.57') && INJECTED.includes(resource))),
      ),
      ...(!v.atLeast('2.36') &&
        Object.fromEntries(
          Object.entries(LEGACY_NETWORK_QUOTAS).map(([name, value]) => [name, legacy(value)]),
        )),
    };
  }

  @Get()
  async show(
    @Caller() caller: AuthContext,
    @Param('projectId') projectId: string,
    @Microversion() v: ApiVersion,
  ) {
    enforce(caller, 'os_compute_api:os-quota-sets:show', { projectId });
    const limits = await projectLimits(this.dataSource.manager, this.settings.config, projectId);
    return { quota_set: { id: projectId, ...this.shape(limits, v, (value) => value) } };
  }

  @Get('defaults')
  defaults(
    @Caller() caller: AuthContext,
    @Param('projectId') projectId: string,
    @Microversion() v: ApiVersion,
  ) {
    enforce(caller, 'os_compute_api:os-quota-sets:defaults');
    return {
      quota_set: { id: projectId, ...this.shape(defaultLimits(this.settings.config), v, (value) => value) },
    };
  }

  @Get('detail')
  async detail(
    @Caller() caller: AuthContext,
    @Param('projectId') projectId: string,
    @Microversion() v: ApiVersion,
  ) {
    enforce(caller, 'os_compute_api:os-quota-sets:detail', { projectId });
    const limits = await projectLimits(this.dataSource.manager, this.settings.config, projectId);
    const usage = await this.usage(projectId, caller);
    const detail = Object.fromEntries(
      Object.entries(limits).map(([resource, limit]) => [
        resource,
        { limit, in_use: usage[resource as QuotaResource] ?? 0, reserved: 0 },
      ]),
    );
    return {
      quota_set: { id: projectId, ...this.shape(detail, v, (limit) => ({ limit, in_use: 0, reserved: 0 })) },
    };
  }

  private async usage(projectId: string, caller: AuthContext): Promise<Partial<QuotaLimits>> {
    const usage = await projectUsage(this.dataSource.manager, projectId);
    const [{ key_pairs }] = await this.dataSource.query(
      'SELECT count(*)::int AS key_pairs FROM key_pairs WHERE user_id = $1',
      [caller.userId],
    );
    return { ...usage, key_pairs };
  }

  @Put()
  @JsonSchemaBody(quotaUpdateSchema)
  async update(
    @Caller() caller: AuthContext,
    @Param('projectId') projectId: string,
    @Body() body: unknown,
    @Microversion() v: ApiVersion,
  ) {
    enforce(caller, 'os_compute_api:os-quota-sets:update');
    const { quota_set } = validateBody<{ quota_set: Record<string, number | string | boolean> }>(
      quotaUpdateSchema,
      body,
    );
    const force = ['true', 'True', true].includes(quota_set.force as string | boolean);
    const requested = Object.entries(quota_set).filter(([key]) => key !== 'force') as [
      QuotaResource,
      number | string,
    ][];
    if (v.atLeast('2.57')) {
      const injected = requested.find(([resource]) => INJECTED.includes(resource));
      if (injected) {
        throw new ApiError(
          'badRequest',
          `Invalid input for field/attribute quota_set. Value: ${injected[0]}. Additional properties are not allowed ('${injected[0]}' was unexpected)`,
        );
      }
    }
    const usage = await this.usage(projectId, caller);
    await this.dataSource.transaction(async (db) => {
      for (const [resource, raw] of requested) {
        const limit = Number(raw);
        const used = usage[resource] ?? 0;
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
    const limits = await projectLimits(this.dataSource.manager, this.settings.config, projectId);
    return { quota_set: this.shape(limits, v, (value) => value) };
  }

  @Delete()
  @HttpCode(202)
  async revert(@Caller() caller: AuthContext, @Param('projectId') projectId: string): Promise<void> {
    enforce(caller, 'os_compute_api:os-quota-sets:delete');
    await this.dataSource.query('DELETE FROM quotas WHERE project_id = $1', [projectId]);
  }
}
