import { Injectable } from '@nestjs/common';
import { createNetwork, deleteNetwork, subnetIdsOf, updateNetwork } from '../../../common/network/networks';
import { invalidInput } from '../../../common/network/neutron-errors';
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
import { networkView } from './network-views';
import { type NetworkBody, networkCreateSchema, networkUpdateSchema } from './network.schemas';
import { NetworkUrls } from './network-urls';

/** Neutron's global_physnet_mtu default: no network may ask for more. */
const MAX_MTU = 1500;

export const FILTERS: Filters = {
  ...STANDARD_FILTERS,
  status: { property: 'status', type: 'string' },
  admin_state_up: { property: 'adminStateUp', type: 'boolean' },
  shared: { property: 'shared', type: 'boolean' },
  'router:external': { property: 'routerExternal', type: 'boolean' },
  mtu: { property: 'mtu', type: 'integer' },
  port_security_enabled: { property: 'portSecurityEnabled', type: 'boolean' },
};

function attributes(body: NetworkBody) {
  if (body.mtu !== undefined && body.mtu > MAX_MTU) {
    throw invalidInput(`Requested MTU is too big, maximum is ${MAX_MTU}`);
  }
  return {
    name: body.name,
    description: body.description,
    adminStateUp: body.admin_state_up,
    shared: body.shared,
    routerExternal: body['router:external'],
    mtu: body.mtu,
    portSecurityEnabled: body.port_security_enabled,
  };
}

/** /v2.0/networks: only the admin shares a network or makes it external; owners change theirs. */
@Injectable()
export class NetworksService {
  constructor(
    private readonly access: NetworkAccess,
    private readonly urls: NetworkUrls,
  ) {}

  private async view(network: Parameters<typeof networkView>[0], fields?: string[]) {
    const subnets = await subnetIdsOf(this.access.dataSource.manager, [network.id]);
    return pickFields(networkView(network, subnets.get(network.id)!), fields);
  }

  async list(auth: AuthContext, query: QueryParams) {
    enforce(auth, 'network:get');
    const page = await listPage(this.access.networks(auth), query, this.urls.collection('networks'), FILTERS);
    const subnets = await subnetIdsOf(
      this.access.dataSource.manager,
      page.items.map((network) => network.id),
    );
    return {
      networks: page.items.map((network) =>
        pickFields(networkView(network, subnets.get(network.id)!), page.fields),
      ),
      ...(page.links.length > 0 && { networks_links: page.links }),
    };
  }

  async show(auth: AuthContext, id: string, query: QueryParams) {
    enforce(auth, 'network:get');
    return {
      network: await this.view(await this.access.network(auth, id), fieldsOf(query)),
    };
  }

  async create(auth: AuthContext, raw: unknown) {
    const { network: body } = validateBody<{ network: NetworkBody }>(networkCreateSchema, raw, 'neutron');
    const projectId = this.access.owner(auth, body);
    enforce(auth, 'network:write', { projectId });
    if (body.shared || body['router:external']) enforce(auth, 'network:admin');
    const network = await createNetwork(this.access.dataSource.manager, { projectId, ...attributes(body) });
    return { network: networkView(network, []) };
  }

  async update(auth: AuthContext, id: string, raw: unknown) {
    const { network: body } = validateBody<{ network: NetworkBody }>(networkUpdateSchema, raw, 'neutron');
    const network = await this.access.network(auth, id);
    enforce(auth, 'network:write', { projectId: network.projectId });
    if (body.shared !== undefined || body['router:external'] !== undefined) enforce(auth, 'network:admin');
    const updated = await updateNetwork(this.access.dataSource.manager, network, attributes(body));
    return { network: await this.view(updated) };
  }

  async remove(auth: AuthContext, id: string) {
    const network = await this.access.network(auth, id);
    enforce(auth, 'network:write', { projectId: network.projectId });
    await deleteNetwork(this.access.dataSource.manager, id);
  }
}
