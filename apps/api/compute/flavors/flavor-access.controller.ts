import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { JsonSchemaBody, Returns } from '../../common/openapi';
import { type AuthContext, Caller } from '../../common/auth/auth-context';
import { enforce } from '../../common/policy';
import { validateBody } from '../../common/validation';
import { flavorActionSchema } from './flavor.schemas';
import { FlavorsService } from './flavors.service';
import { FLAVOR_ACCESS } from '../compute-shapes';

type FlavorAction = { addTenantAccess?: { tenant: string }; removeTenantAccess?: { tenant: string } };

/** Which projects may use a private flavor (admin only). */
@ApiTags('compute: flavors')
@Controller('compute/v2.1/flavors/:flavorId')
export class FlavorAccessController {
  constructor(private readonly flavors: FlavorsService) {}

  private async accessList(caller: AuthContext, flavorId: string) {
    const rows = await this.flavors.accessList(caller, flavorId);
    return { flavor_access: rows.map((row) => ({ flavor_id: flavorId, tenant_id: row.projectId })) };
  }

  @Returns(200, FLAVOR_ACCESS)
  @Get('os-flavor-access')
  list(@Caller() caller: AuthContext, @Param('flavorId') flavorId: string) {
    enforce(caller, 'os_compute_api:os-flavor-access');
    return this.accessList(caller, flavorId);
  }

  @Returns(200, FLAVOR_ACCESS)
  @Post('action')
  @HttpCode(200)
  @JsonSchemaBody(flavorActionSchema)
  async action(@Caller() caller: AuthContext, @Param('flavorId') flavorId: string, @Body() body: unknown) {
    const action = validateBody<FlavorAction>(flavorActionSchema, body);
    if (action.addTenantAccess) {
      enforce(caller, 'os_compute_api:os-flavor-access:add_tenant_access');
      await this.flavors.addAccess(caller, flavorId, action.addTenantAccess.tenant);
    } else {
      enforce(caller, 'os_compute_api:os-flavor-access:remove_tenant_access');
      await this.flavors.removeAccess(caller, flavorId, action.removeTenantAccess!.tenant);
    }
    return this.accessList(caller, flavorId);
  }
}
