import { Injectable } from '@nestjs/common';
import { type EntityManager, type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';
import { queueFirewallSync } from '../../../common/compute/security-group-events';
import { queueServerEvents } from '../../../common/compute/server-events';
import { type WorkflowLaunch } from '../../../common/compute/workflow-outbox';
import { formatIp, parseIp } from '../../../common/network/ip-address';
import { chooseMacAddress } from '../../../common/network/mac-address';
import {
  checkSecurityGroupList,
  securityGroupsOf,
  updatePortSecurityGroups,
} from '../../../common/network/port-security-groups';
import { createPort, fixedIpsOf, replacePortAddresses } from '../../../common/network/ports';
import { updateRevised } from '../../../common/network/revisions';
import { isUuid } from '../../../common/uuid';
import { Network, Port } from '../../../entities';
import { type AuthContext, isAdmin } from '../common/auth/auth-context';
import { enforce } from '../common/policy';
import { validateBody } from '../common/validation';
import { WorkflowStarter } from '../common/workflow-starter';
import {
  fieldsOf,
  type Filters,
  listPage,
  pickFields,
  type QueryParams,
  STANDARD_FILTERS,
} from './list-query';
import { NetworkAccess } from './network-access';
import { portView } from './network-views';
import { type FixedIpBody, type PortBody, portCreateSchema, portUpdateSchema } from './network.schemas';
import { NetworkUrls } from './network-urls';

export const FILTERS: Filters = {
  ...STANDARD_FILTERS,
  network_id: { property: 'networkId', type: 'uuid' },
  mac_address: { property: 'macAddress', type: 'string' },
  device_id: { property: 'deviceId', type: 'string' },
  device_owner: { property: 'deviceOwner', type: 'string' },
  status: { property: 'status', type: 'string' },
  admin_state_up: { property: 'adminStateUp', type: 'boolean' },
  port_security_enabled: { property: 'portSecurityEnabled', type: 'boolean' },
  'binding:host_id': { property: 'bindingHostId', type: 'string' },
  'binding:vnic_type': { property: 'bindingVnicType', type: 'string' },
};

/**
 * Neutron's fixed_ips filter: `fixed_ips=ip_address=10.0.0.5`, `fixed_ips=subnet_id=<id>`,
 * `fixed_ips=ip_address_substr=10.0.`; one address of the port must match them all.
 */
function fixedIpsFilter(qb: SelectQueryBuilder<ObjectLiteral>, values: string[], param: string): void {
  // No prototype: the keys are the caller's (`__proto__=...` is just a key that matches nothing).
  const wanted: Record<string, string[]> = Object.create(null);
  for (const value of values) {
    const [key, ...rest] = value.split('=');
    (wanted[key] ??= []).push(rest.join('='));
  }
  const addresses = (wanted.ip_address ?? []).map(parseIp).filter((ip) => ip !== undefined);
  const subnets = (wanted.subnet_id ?? []).filter(isUuid);
  const conditions = ['a.port_id = port.id'];
  const parameters: Record<string, unknown> = {};
  if (wanted.ip_address) {
    conditions.push(`a.ip_address = ANY(:${param}ip::inet[])`);
    parameters[`${param}ip`] = addresses.map((ip) => formatIp(ip.value, ip.version));
  }
  if (wanted.subnet_id) {
    conditions.push(`a.subnet_id = ANY(:${param}subnet::uuid[])`);
    parameters[`${param}subnet`] = subnets;
  }
  for (const [index, substring] of (wanted.ip_address_substr ?? []).entries()) {
    conditions.push(`strpos(host(a.ip_address), :${param}substr${index}) > 0`);
    parameters[`${param}substr${index}`] = substring;
  }
  qb.andWhere(`EXISTS (SELECT 1 FROM ip_allocations a WHERE ${conditions.join(' AND ')})`, parameters);
}

const fixedIpRequests = (fixedIps: FixedIpBody[] | undefined) =>
  fixedIps?.map((ip) => ({ subnetId: ip.subnet_id, ipAddress: ip.ip_address }));

function attributes(body: PortBody) {
  return {
    name: body.name,
    description: body.description,
    adminStateUp: body.admin_state_up,
    deviceId: body.device_id,
    deviceOwner: body.device_owner,
    bindingHostId: body['binding:host_id'],
    bindingVnicType: body['binding:vnic_type'],
    bindingProfile: body['binding:profile'],
    portSecurityEnabled: body.port_security_enabled,
  };
}

/** The body's security_groups, checked as Neutron's validator does; null means none. */
function securityGroupsOfBody(body: PortBody): string[] | undefined {
  if (body.security_groups === undefined) return undefined;
  const ids = body.security_groups ?? [];
  checkSecurityGroupList(ids);
  return ids;
}

/**
 * /v2.0/ports: a project creates ports on its networks and on shared ones. Binding a port to a
 * host is the admin's; choosing its MAC or addresses is the network owner's, as in Neutron.
 */
@Injectable()
export class PortsService {
  constructor(
    private readonly access: NetworkAccess,
    private readonly urls: NetworkUrls,
    private readonly workflows: WorkflowStarter,
  ) {}

  /**
   * Neutron's notification to Nova, for a port the compute service bound to a server: the event
   * is queued in the transaction that changes the port (the row locked first), so that a crash
   * after commit loses nothing; the caller starts it after commit.
   */
  private async queueServerEvent(
    db: EntityManager,
    portId: string,
    name: 'network-changed' | 'network-vif-deleted',
  ): Promise<WorkflowLaunch | undefined> {
    const [bound]: { uuid: string; project_id: string; host: string | null }[] = await db.query(
      `SELECT i.uuid, i.project_id, i.host FROM ports p JOIN instances i ON i.uuid = p.instance_uuid
        WHERE p.id = $1 AND i.deleted_at IS NULL FOR UPDATE OF p`,
      [portId],
    );
    if (!bound) return undefined;
    const instance = { uuid: bound.uuid, projectId: bound.project_id, host: bound.host };
    return queueServerEvents(db, instance, [{ name, tag: portId, status: 'completed' }]);
  }

  /** Neutron's JSON for each port, with their addresses and groups loaded in two queries. */
  private async views(auth: AuthContext, ports: Port[], fields?: string[]) {
    const db = this.access.dataSource.manager;
    const ids = ports.map((port) => port.id);
    const [fixedIps, groups] = await Promise.all([fixedIpsOf(db, ids), securityGroupsOf(db, ids)]);
    return ports.map((port) =>
      pickFields(portView(port, fixedIps.get(port.id)!, groups.get(port.id)!, isAdmin(auth)), fields),
    );
  }

  private async view(auth: AuthContext, port: Port, fields?: string[]) {
    return (await this.views(auth, [port], fields))[0];
  }

  /** Policy on the attributes only some may set. */
  private checkRestricted(auth: AuthContext, body: PortBody, network: Network): void {
    if (body['binding:host_id'] !== undefined || body['binding:profile'] !== undefined) {
      enforce(auth, 'network:admin');
    }
    if (body.mac_address !== undefined || body.fixed_ips?.some((ip) => ip.ip_address !== undefined)) {
      enforce(auth, 'network:write', { projectId: network.projectId });
    }
  }

  async list(auth: AuthContext, query: QueryParams) {
    enforce(auth, 'network:get');
    const page = await listPage(this.access.ports(auth), query, this.urls.collection('ports'), FILTERS, {
      fixed_ips: fixedIpsFilter,
    });
    return {
      ports: await this.views(auth, page.items, page.fields),
      ...(page.links.length > 0 && { ports_links: page.links }),
    };
  }

  async show(auth: AuthContext, id: string, query: QueryParams) {
    enforce(auth, 'network:get');
    return {
      port: await this.view(auth, await this.access.port(auth, id), fieldsOf(query)),
    };
  }

  async create(auth: AuthContext, raw: unknown) {
    const { port: body } = validateBody<{ port: PortBody }>(portCreateSchema, raw, 'neutron');
    const network = await this.access.usableNetwork(auth, body.network_id!);
    const projectId = this.access.owner(auth, body);
    enforce(auth, 'network:write', { projectId });
    this.checkRestricted(auth, body, network);
    const securityGroupIds = securityGroupsOfBody(body);
    const created = await createPort(this.access.dataSource.manager, {
      ...attributes(body),
      networkId: network.id,
      projectId,
      macAddress: body.mac_address,
      fixedIps: fixedIpRequests(body.fixed_ips),
      tags: body.tags && [...new Set(body.tags)],
      securityGroupIds,
      anyProjectGroups: isAdmin(auth),
    });
    return { port: await this.view(auth, created.port) };
  }

  async update(auth: AuthContext, id: string, raw: unknown) {
    const { port: body } = validateBody<{ port: PortBody }>(portUpdateSchema, raw, 'neutron');
    const port = await this.access.port(auth, id);
    enforce(auth, 'network:write', { projectId: port.projectId });
    const network = await this.access.dataSource
      .getRepository(Network)
      .findOneByOrFail({ id: port.networkId });
    this.checkRestricted(auth, body, network);
    if (body.mac_address !== undefined) enforce(auth, 'network:admin');
    const securityGroupIds = securityGroupsOfBody(body);
    let event: WorkflowLaunch | undefined;
    let others: WorkflowLaunch[] = [];
    // What its filter (and those naming its groups as remote) is made of.
    const firewallChange =
      body.fixed_ips !== undefined ||
      securityGroupIds !== undefined ||
      body.port_security_enabled !== undefined;
    const updated = await this.access.dataSource.transaction(async (db: EntityManager) => {
      // Re-addressing a server's port is Neutron's network-changed to Nova; so is a change of
      // its groups here, where the host applies them.
      if (firewallChange) event = await this.queueServerEvent(db, id, 'network-changed');
      const groupsBefore = (await securityGroupsOf(db, [id])).get(id)!;
      const mac = body.mac_address?.toLowerCase();
      const macAddress =
        mac && mac !== port.macAddress ? await chooseMacAddress(db, port.networkId, mac) : undefined;
      if (body.fixed_ips) await replacePortAddresses(db, port, fixedIpRequests(body.fixed_ips)!);
      await updateRevised(db, Port, id, { ...attributes(body), ...(macAddress && { macAddress }) });
      const current = await db.getRepository(Port).findOneByOrFail({ id });
      await updatePortSecurityGroups(db, current, securityGroupIds, isAdmin(auth));
      if (firewallChange) {
        const groupsAfter = (await securityGroupsOf(db, [id])).get(id)!;
        others = await queueFirewallSync(db, {
          memberGroupIds: [...new Set([...groupsBefore, ...groupsAfter])],
          exceptInstance: current.instanceUuid ?? undefined,
        });
      }
      return current;
    });
    await this.workflows.start(event);
    for (const launch of others) await this.workflows.start(launch);
    return { port: await this.view(auth, updated) };
  }

  async remove(auth: AuthContext, id: string) {
    const port = await this.access.port(auth, id);
    enforce(auth, 'network:write', { projectId: port.projectId });
    // Neutron lets the owner delete a server's port, and tells Nova (network-vif-deleted).
    const [event, others] = await this.access.dataSource.transaction(async (db: EntityManager) => {
      const queued = await this.queueServerEvent(db, id, 'network-vif-deleted');
      const groups = (await securityGroupsOf(db, [id])).get(id)!;
      await db.getRepository(Port).delete({ id });
      // Its addresses leave the filters that name its groups as remote.
      return [queued, await queueFirewallSync(db, { memberGroupIds: groups })] as const;
    });
    await this.workflows.start(event);
    for (const launch of others) await this.workflows.start(launch);
  }
}
