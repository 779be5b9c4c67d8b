import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { LEGACY_NETWORK_QUOTAS, projectLimits, projectUsage } from '../../../common/compute/quotas';
import { type Settings } from '../../../common/config';
import { type AuthContext, Caller } from '../common/auth/auth-context';
import { enforce } from '../common/policy';
import { SETTINGS } from '../settings.module';
import { type ApiVersion, Microversion } from './microversion';
import { QueryParams, Returns } from '../common/openapi';
import { arr, int, mapOf, obj, str, wrapped } from '../common/openapi-shapes';

/** GET /limits: the project's absolute limits and what it uses, as the microversion shapes them. */
@ApiTags('compute: limits and quotas')
@Controller('compute/v2.1/limits')
export class LimitsController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  @QueryParams({ tenant_id: str })
  @Returns(200, wrapped('limits', obj({ rate: arr(obj({})), absolute: mapOf(int) }, ['absolute'])))
  @Get()
  async show(
    @Caller() caller: AuthContext,
    @Microversion() v: ApiVersion,
    @Query('tenant_id') tenantId?: string,
  ) {
    enforce(caller, 'os_compute_api:limits');
    // Naming a project (even one's own) is the admin's, as in Nova: 403 for anyone else.
    if (tenantId !== undefined) enforce(caller, 'os_compute_api:limits:other_project');
    const projectId = tenantId ?? caller.projectId!;
    const db = this.dataSource.manager;
    const [limits, usage] = await Promise.all([
      projectLimits(db, this.settings.config, projectId),
      projectUsage(db, projectId),
    ]);
    return {
      limits: {
        rate: [],
        absolute: {
          maxTotalInstances: limits.instances,
          maxTotalCores: limits.cores,
          maxTotalRAMSize: limits.ram,
          maxServerMeta: limits.metadata_items,
          maxTotalKeypairs: limits.key_pairs,
          maxServerGroups: limits.server_groups,
          maxServerGroupMembers: limits.server_group_members,
          ...(!v.atLeast('2.39') && { maxImageMeta: limits.metadata_items }),
          ...(!v.atLeast('2.57') && {
            maxPersonality: limits.injected_files,
            maxPersonalitySize: limits.injected_file_content_bytes,
          }),
          ...(!v.atLeast('2.36') && {
            maxSecurityGroups: LEGACY_NETWORK_QUOTAS.security_groups,
            maxSecurityGroupRules: LEGACY_NETWORK_QUOTAS.security_group_rules,
            maxTotalFloatingIps: LEGACY_NETWORK_QUOTAS.floating_ips,
            totalFloatingIpsUsed: 0,
            totalSecurityGroupsUsed: 0,
          }),
          totalRAMUsed: usage.ram,
          totalCoresUsed: usage.cores,
          totalInstancesUsed: usage.instances,
          totalServerGroupsUsed: usage.server_groups,
        },
      },
    };
  }
}
