import { Module } from '@nestjs/common';
import { WorkflowStarter } from '../common/workflow-starter';
import { NetworkAccess } from './network-access';
import { NetworkUrls } from './network-urls';
import { NetworksService } from './networks.service';
import { PortsService } from './ports.service';
import { NetworkQuotasController } from './quotas/network-quotas.controller';
import { neutronResourceController } from './resource-controller';
import {
  NETWORKS_DOC,
  PORTS_DOC,
  SECURITY_GROUP_RULES_DOC,
  SECURITY_GROUPS_DOC,
  SUBNETS_DOC,
} from './resource-openapi';
import { SecurityGroupAccess } from './security-groups/security-group-access';
import { SecurityGroupRulesService } from './security-groups/security-group-rules.service';
import { SecurityGroupsService } from './security-groups/security-groups.service';
import { SubnetsService } from './subnets.service';
import { TagsController } from './tags.controller';
import { TagsService } from './tags.service';
import { NetworkVersionsController } from './versions.controller';

/** Neutron v2.0's core under /network: networks, subnets, ports, their tags, security groups; the IPAM is common/network. */
@Module({
  controllers: [
    NetworkVersionsController,
    neutronResourceController('networks', NetworksService, NETWORKS_DOC),
    neutronResourceController('subnets', SubnetsService, SUBNETS_DOC),
    neutronResourceController('ports', PortsService, PORTS_DOC),
    neutronResourceController('security-groups', SecurityGroupsService, SECURITY_GROUPS_DOC),
    neutronResourceController('security-group-rules', SecurityGroupRulesService, SECURITY_GROUP_RULES_DOC),
    TagsController,
    NetworkQuotasController,
  ],
  providers: [
    WorkflowStarter,
    NetworkAccess,
    NetworkUrls,
    NetworksService,
    SubnetsService,
    PortsService,
    TagsService,
    SecurityGroupAccess,
    SecurityGroupsService,
    SecurityGroupRulesService,
  ],
})
export class NetworkModule {}
