import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { ApiError } from '../../common/api-error';
import { type AuthContext, Caller } from '../../common/auth/auth-context';
import { enforce } from '../../common/policy';
import { pyRepr } from '../../common/py-repr';
import { ErrorStatuses, JsonSchemaBody, Returns } from '../../common/openapi';
import { anyValue, arr, mapOf, obj, str, wrapped } from '../../common/openapi-shapes';
import {
  NETWORK_QUOTA_DEFAULTS,
  NETWORK_QUOTA_RESOURCES as RESOURCES,
  type NetworkQuotaResource as Resource,
  networkQuotaLimits,
  networkQuotaUsage,
} from '../../../../common/network/network-quotas';

const MAX_INT = 2147483647;

/**
 * /v2.0/quotas: Neutron's DbQuotaDriver API. Limits are stored per project (network_quotas), a
 * row only where one was set; creates enforce them (common/network/network-quotas.ts).
 */
@ApiTags('network: quotas')
@Controller('network/v2.0/quotas')
export class NetworkQuotasController {
  constructor(private readonly dataSource: DataSource) {}

  private limitsOf(projectId: string) {
    return networkQuotaLimits(this.dataSource.manager, projectId);
  }

  /** Neutron checks get_quota only when the project asked about is not the caller's. */
  private mayRead(auth: AuthContext, projectId: string) {
    if (projectId !== auth.projectId) enforce(auth, 'network:get_quota');
  }

  @Returns(200, wrapped('quotas', arr(mapOf(anyValue))))
  @Get()
  async index(@Caller() auth: AuthContext) {
    enforce(auth, 'network:get_quota');
    const rows: { project_id: string }[] = await this.dataSource.query(
      'SELECT DISTINCT project_id FROM network_quotas ORDER BY project_id',
    );
    const quotas = [];
    for (const { project_id } of rows) {
      quotas.push({ ...(await this.limitsOf(project_id)), project_id, tenant_id: project_id });
    }
    return { quotas };
  }

  @Returns(200, wrapped('project', obj({ project_id: str })))
  @Get('project')
  project(@Caller() auth: AuthContext) {
    if (!auth.projectId) throw new ApiError('badRequest', 'Tenant-id was missing from quota request.');
    return { project: { project_id: auth.projectId } };
  }

  @Returns(200, wrapped('tenant', obj({ tenant_id: str })))
  @Get('tenant')
  tenant(@Caller() auth: AuthContext) {
    if (!auth.projectId) throw new ApiError('badRequest', 'Tenant-id was missing from quota request.');
    return { tenant: { tenant_id: auth.projectId } };
  }

  @ErrorStatuses(501)
  @Post()
  create() {
    throw new ApiError('notImplemented', 'POST requests are not supported on this resource.');
  }

  @Returns(200, wrapped('quota', mapOf(anyValue)))
  @Get(':id/default')
  defaults(@Caller() auth: AuthContext, @Param('id') id: string) {
    this.mayRead(auth, id);
    return { quota: { ...NETWORK_QUOTA_DEFAULTS } };
  }

  /** The quota-details extension: limit, used and reserved (always 0) per resource. */
  @Returns(200, wrapped('quota', mapOf(anyValue)))
  @Get([':id/details.json', ':id/details'])
  async details(@Caller() auth: AuthContext, @Param('id') id: string) {
    this.mayRead(auth, id);
    const limits = await this.limitsOf(id);
    const quota: Record<string, { limit: number; used: number; reserved: number }> = {};
    for (const resource of RESOURCES) {
      const used = await networkQuotaUsage(this.dataSource.manager, id, resource);
      quota[resource] = { limit: limits[resource], used, reserved: 0 };
    }
    return { quota };
  }

  @Returns(200, wrapped('quota', mapOf(anyValue)))
  @Get(':id')
  async show(@Caller() auth: AuthContext, @Param('id') id: string) {
    this.mayRead(auth, id);
    return { quota: await this.limitsOf(id) };
  }

  @Returns(200, wrapped('quota', mapOf(anyValue)))
  @JsonSchemaBody(wrapped('quota', mapOf(anyValue)))
  @Put(':id')
  async update(@Caller() auth: AuthContext, @Param('id') id: string, @Body() body: unknown) {
    enforce(auth, 'network:update_quota');
    const requested = (body as { quota?: unknown } | undefined)?.quota;
    if (!requested || typeof requested !== 'object' || Array.isArray(requested)) {
      throw new ApiError('badRequest', 'Resource body required');
    }
    // --force and --check-limit of the client: only check_limit looks at usage, as in Neutron.
    const { force: _force, check_limit: checkLimit, ...limits } = requested as Record<string, unknown>;
    const unknown = Object.keys(limits).filter((key) => !RESOURCES.includes(key as Resource));
    if (unknown.length > 0) {
      throw new ApiError('badRequest', `Unrecognized attribute(s) '${unknown.join(', ')}'`);
    }
    const values: [string, number][] = [];
    for (const [resource, raw] of Object.entries(limits)) {
      const text = typeof raw === 'number' || typeof raw === 'string' ? String(raw).trim() : '';
      if (!/^[-+]?\d+$/.test(text)) {
        throw new ApiError(
          'badRequest',
          `Invalid input for ${resource}. Reason: ${pyRepr(raw)} is not an integer.`,
        );
      }
      const value = Number(text);
      if (value < -1) {
        throw new ApiError(
          'badRequest',
          `Invalid input for ${resource}. Reason: '${value}' is too small - must be at least '-1'.`,
        );
      }
      if (value > MAX_INT) {
        throw new ApiError(
          'badRequest',
          `Invalid input for ${resource}. Reason: '${value}' is too large - must be no larger than '${MAX_INT}'.`,
        );
      }
      values.push([resource, value]);
    }
    if (checkLimit) await this.checkUsageFits(id, values);
    for (const [resource, value] of values) {
      await this.dataSource.query(
        `INSERT INTO network_quotas (project_id, resource, hard_limit) VALUES ($1, $2, $3)
         ON CONFLICT (project_id, resource) DO UPDATE SET hard_limit = EXCLUDED.hard_limit`,
        [id, resource, value],
      );
    }
    return { quota: await this.limitsOf(id) };
  }

  /**
   * Neutron's check_limit: no new limit below what the project uses now. Neutron compares -1 too
   * (and so refuses "unlimited" to any project using something); here -1 passes, as it is meant.
   */
  private async checkUsageFits(projectId: string, values: [string, number][]): Promise<void> {
    for (const [resource, limit] of values) {
      if (limit < 0) continue;
      const used = await networkQuotaUsage(this.dataSource.manager, projectId, resource as Resource);
      if (used > limit) {
        throw new ApiError(
          'badRequest',
          `Quota limit ${limit} for ${resource} must be greater than or equal to already used ${used}`,
        );
      }
    }
  }

  @Returns(204)
  @Delete(':id')
  @HttpCode(204)
  async remove(@Caller() auth: AuthContext, @Param('id') id: string) {
    enforce(auth, 'network:delete_quota');
    await this.dataSource.query('DELETE FROM network_quotas WHERE project_id = $1', [id]);
  }
}
