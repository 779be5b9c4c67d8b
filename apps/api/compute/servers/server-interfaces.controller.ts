import { Controller, Get, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { fixedIpsOf } from '../../../../common/network/ports';
import { isUuid } from '../../../../common/uuid';
import { Port } from '../../../../entities';
import { notFound } from '../../common/api-error';
import { type AuthContext, Caller, isAdmin } from '../../common/auth/auth-context';
import { enforce } from '../../common/policy';
import { type ApiVersion, Microversion } from '../microversion';
import { ServerReader } from './server-reader';
import { Returns } from '../../common/openapi';
import { arr } from '../../common/openapi-shapes';
import { INTERFACE, wrapped } from '../compute-shapes';

/**
 * GET /servers/{id}/os-interface[/{port id}]: Nova's attach_interfaces views of the server's
 * ports. Only the ports the compute service bound to the server are its interfaces (Nova lists
 * Neutron's ports by device_id, which a tenant may set on its own ports to name any server).
 * Attaching and detaching interfaces is not built.
 */
@ApiTags('compute: servers')
@Controller('compute/v2.1/servers/:serverId/os-interface')
export class ServerInterfacesController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly reader: ServerReader,
  ) {}

  private async views(ports: Port[], v: ApiVersion) {
    const fixedIps = await fixedIpsOf(
      this.dataSource.manager,
      ports.map((port) => port.id),
    );
    return ports.map((port) => ({
      net_id: port.networkId,
      port_id: port.id,
      mac_addr: port.macAddress,
      port_state: port.status,
      fixed_ips: fixedIps.get(port.id)!.map((ip) => ({ subnet_id: ip.subnetId, ip_address: ip.ipAddress })),
      ...(v.atLeast('2.70') && { tag: null }),
    }));
  }

  @Returns(200, wrapped('interfaceAttachments', arr(INTERFACE)))
  @Get()
  async index(
    @Caller() caller: AuthContext,
    @Param('serverId') serverId: string,
    @Microversion() v: ApiVersion,
  ) {
    const instance = await this.reader.find(caller, serverId);
    enforce(caller, 'os_compute_api:os-attach-interfaces:list', { projectId: instance.projectId });
    const ports = await this.dataSource
      .getRepository(Port)
      .find({ where: { instanceUuid: instance.uuid }, order: { createdAt: 'ASC', id: 'ASC' } });
    return { interfaceAttachments: await this.views(ports, v) };
  }

  @Returns(200, wrapped('interfaceAttachment', INTERFACE))
  @Get(':portId')
  async show(
    @Caller() caller: AuthContext,
    @Param('serverId') serverId: string,
    @Param('portId') portId: string,
    @Microversion() v: ApiVersion,
  ) {
    const instance = await this.reader.find(caller, serverId);
    enforce(caller, 'os_compute_api:os-attach-interfaces:show', { projectId: instance.projectId });
    const port = isUuid(portId) ? await this.dataSource.getRepository(Port).findOneBy({ id: portId }) : null;
    // A port the caller may not see is as unknown to it as one that does not exist (Neutron's view).
    if (!port || (!isAdmin(caller) && port.projectId !== caller.projectId)) {
      throw notFound(`Port ${portId} could not be found.`);
    }
    if (port.instanceUuid !== instance.uuid) {
      throw notFound(`Instance ${instance.uuid} does not have a port with id ${portId}`);
    }
    return { interfaceAttachment: (await this.views([port], v))[0] };
  }
}
