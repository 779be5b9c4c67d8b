import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { ApiError } from '../../common/api-error';
import { type AuthContext, Caller } from '../../common/auth/auth-context';
import { enforce } from '../../common/policy';
import { pyRepr } from '../../common/py-repr';
import { ErrorStatuses, JsonSchemaBody, Returns } from '../../common/openapi';
import { anyValue, arr, mapOf, obj, str, wrapped } from '../../common/openapi-shapes';

/** Neutron's quota resources and their defaults (neutron.conf [quotas]); -1 is unlimited. */
export const NETWORK_QUOTA_DEFAULTS = {
  network: 100,
  subnet: 100,
  port: 500,
  router: 10,
  floatingip: 50,
  security_group: 10,
  security_group_rule: 100,
} as const;

type Resource = keyof typeof NETWORK_QUOTA_DEFAULTS;
const RESOURCES = Object.keys(NETWORK_QUOTA_DEFAULTS) as Resource[];
type Limits = Record<Resource, number>;

/** The tables usage is counted in; routers and floating IPs are not served, so never used. */
const USAGE_TABLES: Partial<Record<Resource, string>> = {
  network: 'networks',
  subnet: 'subnets',
  port: 'ports',
  security_group: 'security_groups',
  security_group_rule: 'security_group_rules',
};

const MAX_INT = 2147483647;

/**
 * /v2.0/quotas: Neutron's DbQuotaDriver API. Limits are stored per project (network_quotas), a
 * row only where one was set; they are reported and stored, not yet enforced on create.
 */
@ApiTags('network: quotas')
@Controller('network/v2.0/quotas')
export class NetworkQuotasController {
  constructor(private readonly dataSource: DataSource) {}

  private async limitsOf(projectId: string): Promise<Limits> {
    const rows: { resource: string; hard_limit: number }[] = await this.dataSource.query(
      'SELECT resource, hard_limit FROM network_quotas WHERE project_id = $1',
      [projectId],
    );
    const limits: Limits = { ...NETWORK_QUOTA_DEFAULTS };
    for (const row of rows) if (row.resource in limits) limits[row.resource as Resource] = row.hard_limit;
    return limits;
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
  @Get(':id/details.json')
  async details(@Caller() auth: AuthContext, @Param('id') id: string) {
    this.mayRead(auth, id);
    const limits = await this.limitsOf(id);
    const quota: Record<string, { limit: number; used: number; reserved: number }> = {};
    for (const resource of RESOURCES) {
      const table = USAGE_TABLES[resource];
      let used = 0;
      if (table) {
        const [row]: { count: string }[] = await this.dataSource.query(
          `SELECT count(*) AS count FROM ${table} WHERE project_id = $1`,
          [id],
        );
        used = Number(row.count);
      }
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
    // --force and --check-limit of the client; limits are not enforced yet, so usage is not checked.
    const { force: _force, check_limit: _checkLimit, ...limits } = requested as Record<string, unknown>;
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
    for (const [resource, value] of values) {
      await this.dataSource.query(
        `INSERT INTO network_quotas (project_id, resource, hard_limit) VALUES ($1, $2, $3)
         ON CONFLICT (project_id, resource) DO UPDATE SET hard_limit = EXCLUDED.hard_limit`,
        [id, resource, value],
      );
    }
    return { quota: await this.limitsOf(id) };
  }

  @Returns(204)
  @Delete(':id')
  @HttpCode(204)
  async remove(@Caller() auth: AuthContext, @Param('id') id: string) {
    enforce(auth, 'network:delete_quota');
    await this.dataSource.query('DELETE FROM network_quotas WHERE project_id = $1', [id]);
  }
}
