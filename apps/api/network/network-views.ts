import { type FixedIp } from '../../../common/network/ipam';
import { type Network, type Port, type Subnet } from '../../../entities';
import { type NeutronResource } from '../../../entities/network.entities';

/** Neutron's timestamps: seconds, UTC, no fraction. */
export const timestamp = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The standard attributes every Neutron resource carries, the owner under both of its names. */
function standard(resource: NeutronResource) {
  return {
    tenant_id: resource.projectId,
    project_id: resource.projectId,
    description: resource.description,
    tags: resource.tags,
    created_at: timestamp(resource.createdAt),
    updated_at: timestamp(resource.updatedAt),
    revision_number: resource.revisionNumber,
  };
}

/** Neutron's JSON for a network. */
export function networkView(network: Network, subnetIds: string[]) {
  return {
    id: network.id,
    name: network.name,
    admin_state_up: network.adminStateUp,
    status: network.status,
    shared: network.shared,
    'router:external': network.routerExternal,
    mtu: network.mtu,
    port_security_enabled: network.portSecurityEnabled,
    subnets: subnetIds,
    ...standard(network),
  };
}

/** Neutron's JSON for a subnet. */
export function subnetView(subnet: Subnet) {
  return {
    id: subnet.id,
    name: subnet.name,
    network_id: subnet.networkId,
    ip_version: subnet.ipVersion,
    cidr: subnet.cidr,
    gateway_ip: subnet.gatewayIp,
    allocation_pools: subnet.allocationPools,
    enable_dhcp: subnet.enableDhcp,
    dns_nameservers: subnet.dnsNameservers,
    host_routes: subnet.hostRoutes,
    ipv6_ra_mode: null,
    ipv6_address_mode: null,
    subnetpool_id: null,
    ...standard(subnet),
  };
}

/**
 * Neutron's JSON for a port. The binding attributes but binding:vnic_type are the admin's only,
 * as Neutron's policy has it.
 */
export function portView(port: Port, fixedIps: FixedIp[], securityGroups: string[], showBinding: boolean) {
  return {
    id: port.id,
    name: port.name,
    network_id: port.networkId,
    mac_address: port.macAddress,
    admin_state_up: port.adminStateUp,
    status: port.status,
    device_id: port.deviceId,
    device_owner: port.deviceOwner,
    fixed_ips: fixedIps.map((ip) => ({ subnet_id: ip.subnetId, ip_address: ip.ipAddress })),
    port_security_enabled: port.portSecurityEnabled,
    security_groups: securityGroups,
    'binding:vnic_type': port.bindingVnicType,
    ...(showBinding && {
      'binding:host_id': port.bindingHostId,
      'binding:profile': port.bindingProfile,
      // No mechanism driver binds ports here: a port with a host counts as bound to Open vSwitch.
      'binding:vif_type': port.bindingHostId ? 'ovs' : 'unbound',
      'binding:vif_details': port.bindingHostId ? { port_filter: true, connectivity: 'l2' } : {},
    }),
    ...standard(port),
  };
}
