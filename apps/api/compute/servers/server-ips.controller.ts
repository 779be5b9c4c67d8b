import { Controller, Get, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { instanceAddresses } from '../../../../common/network';
import { notFound } from '../../common/api-error';
import { type AuthContext, Caller } from '../../common/auth/auth-context';
import { enforce, type PolicyAction } from '../../common/policy';
import { ServerReader } from './server-reader';
import { Returns } from '../../common/openapi';
import { anyValue, arr, mapOf, wrapped } from '../../common/openapi-shapes';

/** Nova's address view without extend_address: /ips shows only each address and its version. */
const basic = (ips: unknown[]) =>
  (ips as { version: number; addr: string }[]).map(({ version, addr }) => ({ version, addr }));

/** GET /servers/{id}/ips[/{network label}]: Nova's ips.py, addresses grouped by network name. */
@ApiTags('compute: servers')
@Controller('compute/v2.1/servers/:serverId/ips')
export class ServerIpsController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly reader: ServerReader,
  ) {}

  private async networks(caller: AuthContext, serverId: string, action: PolicyAction) {
    const instance = await this.reader.find(caller, serverId);
    enforce(caller, action, { projectId: instance.projectId });
    const addresses = await instanceAddresses(this.dataSource.manager, [instance.uuid]);
    return addresses[instance.uuid] ?? {};
  }

  @Returns(200, wrapped('addresses', mapOf(arr(mapOf(anyValue)))))
  @Get()
  async index(@Caller() caller: AuthContext, @Param('serverId') serverId: string) {
    const networks = await this.networks(caller, serverId, 'os_compute_api:ips:index');
    return {
      addresses: Object.fromEntries(Object.entries(networks).map(([label, ips]) => [label, basic(ips)])),
    };
  }

  @Returns(200, mapOf(arr(mapOf(anyValue))))
  @Get(':label')
  async show(
    @Caller() caller: AuthContext,
    @Param('serverId') serverId: string,
    @Param('label') label: string,
  ) {
    const networks = await this.networks(caller, serverId, 'os_compute_api:ips:show');
    if (!Object.hasOwn(networks, label)) throw notFound('Instance is not a member of specified network');
    return { [label]: basic(networks[label]) };
  }
}
