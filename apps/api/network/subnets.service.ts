import { Injectable } from '@nestjs/common';
import { createSubnet, deleteSubnet, updateSubnet } from '../../../common/network/subnets';
import { type AuthContext } from '../common/auth/auth-context';
import { enforce } from '../common/policy';
import { validateBody } from '../common/validation';
import {
  fieldsOf,
  type Filters,
  listPage,
  pickFields,
  type QueryParams,
  STANDARD_FILTERS,
} from './list-query';
import { NetworkAccess } from './network-access';
import { subnetView } from './network-views';
import { type SubnetBody, subnetCreateSchema, subnetUpdateSchema } from './network.schemas';
import { NetworkUrls } from './network-urls';

export const FILTERS: Filters = {
  ...STANDARD_FILTERS,
  network_id: { property: 'networkId', type: 'uuid' },
  ip_version: { property: 'ipVersion', type: 'integer' },
  cidr: { property: 'cidr', type: 'cidr' },
  gateway_ip: { property: 'gatewayIp', type: 'ip' },
  enable_dhcp: { property: 'enableDhcp', type: 'boolean' },
};

const changes = (body: SubnetBody) => ({
  name: body.name,
  description: body.description,
  gatewayIp: body.gateway_ip,
  allocationPools: body.allocation_pools,
  enableDhcp: body.enable_dhcp,
  dnsNameservers: body.dns_nameservers,
  hostRoutes: body.host_routes,
});

/**
 * /v2.0/subnets: only the network's owner (or the admin) adds subnets to it; a shared network's
 * subnets are visible to all but changed by its owner only.
 */
@Injectable()
export class SubnetsService {
  constructor(
    private readonly access: NetworkAccess,
    private readonly urls: NetworkUrls,
  ) {}

  async list(auth: AuthContext, query: QueryParams) {
    enforce(auth, 'network:get');
    const page = await listPage(this.access.subnets(auth), query, this.urls.collection('subnets'), FILTERS);
    return {
      subnets: page.items.map((subnet) => pickFields(subnetView(subnet), page.fields)),
      ...(page.links.length > 0 && { subnets_links: page.links }),
    };
  }

  async show(auth: AuthContext, id: string, query: QueryParams) {
    enforce(auth, 'network:get');
    return {
      subnet: pickFields(subnetView(await this.access.subnet(auth, id)), fieldsOf(query)),
    };
  }

  async create(auth: AuthContext, raw: unknown) {
    const { subnet: body } = validateBody<{ subnet: SubnetBody }>(subnetCreateSchema, raw, 'neutron');
    const network = await this.access.network(auth, body.network_id!);
    const projectId = this.access.owner(auth, body);
    enforce(auth, 'network:write', { projectId: network.projectId });
    const subnet = await createSubnet(this.access.dataSource.manager, {
      ...changes(body),
      networkId: network.id,
      projectId,
      cidr: body.cidr!,
      ipVersion: body.ip_version,
    });
    return { subnet: subnetView(subnet) };
  }

  async update(auth: AuthContext, id: string, raw: unknown) {
    const { subnet: body } = validateBody<{ subnet: SubnetBody }>(subnetUpdateSchema, raw, 'neutron');
    const subnet = await this.access.subnet(auth, id);
    enforce(auth, 'network:write', { projectId: subnet.projectId });
    const updated = await updateSubnet(this.access.dataSource.manager, id, changes(body));
    return { subnet: subnetView(updated) };
  }

  async remove(auth: AuthContext, id: string) {
    const subnet = await this.access.subnet(auth, id);
    enforce(auth, 'network:write', { projectId: subnet.projectId });
    await deleteSubnet(this.access.dataSource.manager, id);
  }
}
