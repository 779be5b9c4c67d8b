import { Body, Controller, Get, Inject, Param, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { classLegacyNetworkLimits, classLimits } from '../../../common/compute/quotas';
import { type Settings } from '../../../common/config';
import { ApiError } from '../common/api-error';
import { type AuthContext, Caller } from '../common/auth/auth-context';
import { enforce } from '../common/policy';
import { JsonSchemaBody, Returns } from '../common/openapi';
import { validateBody } from '../common/validation';
import { SETTINGS } from '../settings.module';
import { type ApiVersion, Microversion } from './microversion';
import { QUOTA_CLASS_SET_UPDATE_SCHEMA, quotaClassSetFields, shownOnly } from './quota-fields';
import { anyValue, mapOf, wrapped } from '../common/openapi-shapes';

/**
 * os-quota-class-sets: named sets of default limits. The 'default' class is what every project
 * gets unless it has its own limit; a class nobody set shows the [quota] options.
 */
@ApiTags('compute: limits and quotas')
@Controller('compute/v2.1/os-quota-class-sets/:className')
export class QuotaClassSetsController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  private async limits(className: string, v: ApiVersion): Promise<Record<string, number>> {
    const db = this.dataSource.manager;
    const fields = quotaClassSetFields(v);
    const limits = await classLimits(db, this.settings.config, className);
    const network = fields.network ? await classLegacyNetworkLimits(db, className) : {};
    return shownOnly({ ...limits, ...network }, fields);
  }

  @Returns(200, wrapped('quota_class_set', mapOf(anyValue)))
  @Get()
  async show(
    @Caller() caller: AuthContext,
    @Param('className') className: string,
    @Microversion() v: ApiVersion,
  ) {
    enforce(caller, 'os_compute_api:os-quota-class-sets:show');
    return { quota_class_set: { id: className, ...(await this.limits(className, v)) } };
  }

  @Returns(200, wrapped('quota_class_set', mapOf(anyValue)))
  @Put()
  @JsonSchemaBody(QUOTA_CLASS_SET_UPDATE_SCHEMA)
  async update(
    @Caller() caller: AuthContext,
    @Param('className') className: string,
    @Body() body: unknown,
    @Microversion() v: ApiVersion,
  ) {
    enforce(caller, 'os_compute_api:os-quota-class-sets:update');
    if (className.length > 255) {
      throw new ApiError('badRequest', 'quota_class_name has more than 255 characters.');
    }
    const { quota_class_set } = validateBody<{ quota_class_set: Record<string, number | string> }>(
      quotaClassSetFields(v).updateSchema,
      body,
    );
    await this.dataSource.transaction(async (db) => {
      for (const [resource, raw] of Object.entries(quota_class_set)) {
        await db.query(
          `INSERT INTO quota_classes (class_name, resource, hard_limit) VALUES ($1, $2, $3)
           ON CONFLICT (class_name, resource) DO UPDATE SET hard_limit = EXCLUDED.hard_limit`,
          [className, resource, Number(raw)],
        );
      }
    });
    // Like Nova's, the update's answer carries no id.
    return { quota_class_set: await this.limits(className, v) };
  }
}
