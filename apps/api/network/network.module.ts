import { Module } from '@nestjs/common';
import { NetworkAccess } from './network-access';
import { NetworkUrls } from './network-urls';
import { NetworksService } from './networks.service';
import { PortsService } from './ports.service';
import { neutronResourceController } from './resource-controller';
import { SubnetsService } from './subnets.service';
import { TagsController } from './tags.controller';
import { TagsService } from './tags.service';
import { NetworkVersionsController } from './versions.controller';

/** Neutron v2.0's core under /network: networks, subnets, ports, their tags; the IPAM is common/network. */
@Module({
  controllers: [
    NetworkVersionsController,
    neutronResourceController('networks', NetworksService),
    neutronResourceController('subnets', SubnetsService),
    neutronResourceController('ports', PortsService),
    TagsController,
  ],
  providers: [NetworkAccess, NetworkUrls, NetworksService, SubnetsService, PortsService, TagsService],
})
export class NetworkModule {}
