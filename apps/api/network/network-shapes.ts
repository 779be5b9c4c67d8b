import {
  anyValue,
  arr,
  bool,
  int,
  type JsonSchema,
  mapOf,
  nullable,
  obj,
  str,
} from '../common/openapi-shapes';

/**
 * The shapes of Neutron's bodies (network-views.ts, security-group-views.ts), for the OpenAPI
 * document. No attribute is required: `fields=` returns only those asked for.
 */
const standard = {
  tenant_id: str,
  project_id: str,
  description: str,
  tags: arr(str),
  created_at: str,
  updated_at: str,
  revision_number: int,
};

export const NETWORK = obj({
  id: str,
  name: str,
  admin_state_up: bool,
  status: str,
  shared: bool,
  'router:external': bool,
  mtu: int,
  port_security_enabled: bool,
  subnets: arr(str),
  ...standard,
});

const pool = obj({ start: str, end: str });
export const SUBNET = obj({
  id: str,
  name: str,
  network_id: str,
  ip_version: int,
  cidr: str,
  gateway_ip: nullable(str),
  allocation_pools: arr(pool),
  enable_dhcp: bool,
  dns_nameservers: arr(str),
  host_routes: arr(mapOf(anyValue)),
  ipv6_ra_mode: nullable(str),
  ipv6_address_mode: nullable(str),
  subnetpool_id: nullable(str),
  ...standard,
});

export const PORT = obj({
  id: str,
  name: str,
  network_id: str,
  mac_address: str,
  admin_state_up: bool,
  status: str,
  device_id: str,
  device_owner: str,
  fixed_ips: arr(obj({ subnet_id: str, ip_address: str })),
  port_security_enabled: bool,
  security_groups: arr(str),
  'binding:vnic_type': str,
  'binding:host_id': nullable(str),
  'binding:profile': nullable(mapOf(anyValue)),
  'binding:vif_type': str,
  'binding:vif_details': mapOf(anyValue),
  ...standard,
});

export const SECURITY_GROUP_RULE = obj({
  id: str,
  security_group_id: str,
  direction: str,
  ethertype: str,
  protocol: nullable(str),
  port_range_min: nullable(int),
  port_range_max: nullable(int),
  remote_ip_prefix: nullable(str),
  remote_group_id: nullable(str),
  remote_address_group_id: nullable(str),
  description: nullable(str),
  tenant_id: str,
  project_id: str,
  created_at: str,
  updated_at: str,
  revision_number: int,
});

export const SECURITY_GROUP = obj({
  id: str,
  name: str,
  description: str,
  stateful: bool,
  security_group_rules: arr(SECURITY_GROUP_RULE),
  tenant_id: str,
  project_id: str,
  tags: arr(str),
  created_at: str,
  updated_at: str,
  revision_number: int,
});

/** Neutron's list: `{"<collection>": [...], "<collection>_links": [...]}`. */
export const neutronList = (key: string, item: JsonSchema) =>
  obj({ [key]: arr(item), [`${key}_links`]: arr(obj({ rel: str, href: str })) }, [key]);
