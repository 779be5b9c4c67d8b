import {
  anyValue,
  arr,
  bool,
  collection,
  int,
  type JsonSchema,
  link,
  mapOf,
  nullable,
  num,
  obj,
  str,
  wrapped,
} from '../common/openapi-shapes';

/** The shapes of Nova's bodies (the views beside each controller), for the OpenAPI document. */
const links = arr(link);
const idOrInt: JsonSchema = { type: ['string', 'integer'] };

export const SERVER_SUMMARY = obj({ id: str, name: str, links }, ['id', 'links']);

export const SERVER = obj(
  {
    id: str,
    name: str,
    status: str,
    tenant_id: str,
    user_id: str,
    metadata: mapOf(str),
    hostId: str,
    image: { anyOf: [str, obj({ id: str, links })] },
    flavor: mapOf(anyValue),
    created: str,
    updated: str,
    addresses: mapOf(arr(mapOf(anyValue))),
    accessIPv4: str,
    accessIPv6: str,
    links,
    'OS-DCF:diskConfig': str,
    progress: nullable(int),
    'OS-EXT-AZ:availability_zone': str,
    config_drive: nullable(str),
    key_name: nullable(str),
    'OS-SRV-USG:launched_at': nullable(str),
    'OS-SRV-USG:terminated_at': nullable(str),
    'OS-EXT-SRV-ATTR:host': nullable(str),
    'OS-EXT-SRV-ATTR:instance_name': str,
    'OS-EXT-SRV-ATTR:hypervisor_hostname': nullable(str),
    'OS-EXT-STS:task_state': nullable(str),
    'OS-EXT-STS:vm_state': str,
    'OS-EXT-STS:power_state': int,
    'os-extended-volumes:volumes_attached': arr(anyValue),
    security_groups: arr(obj({ name: str })),
    fault: obj({ code: int, created: str, message: str, details: str }),
    host_status: str,
    locked: bool,
    locked_reason: nullable(str),
    description: nullable(str),
    tags: arr(str),
    trusted_image_certificates: nullable(arr(str)),
    server_groups: arr(str),
  },
  ['id', 'status', 'tenant_id', 'links'],
);

export const SERVER_CREATED = obj(
  { id: str, links, 'OS-DCF:diskConfig': str, security_groups: arr(obj({ name: str })), adminPass: str },
  ['id', 'links'],
);

export const FLAVOR = obj(
  {
    id: str,
    name: str,
    ram: int,
    disk: int,
    swap: { type: ['integer', 'string'] },
    'OS-FLV-EXT-DATA:ephemeral': int,
    'OS-FLV-DISABLED:disabled': bool,
    vcpus: int,
    'os-flavor-access:is_public': bool,
    rxtx_factor: num,
    links,
    description: nullable(str),
    extra_specs: mapOf(str),
  },
  ['id', 'name', 'links'],
);

export const FLAVOR_ACCESS = wrapped('flavor_access', arr(obj({ flavor_id: str, tenant_id: str })));

export const HYPERVISOR = obj(
  {
    id: idOrInt,
    hypervisor_hostname: str,
    state: str,
    status: str,
    hypervisor_type: str,
    hypervisor_version: int,
    host_ip: nullable(str),
    service: obj({ id: idOrInt, host: str, disabled_reason: nullable(str) }),
    uptime: nullable(str),
    servers: arr(obj({ name: str, uuid: str })),
    cpu_info: { anyOf: [str, mapOf(anyValue)] },
  },
  ['id', 'hypervisor_hostname'],
);

export const SERVICE = obj(
  {
    binary: str,
    host: str,
    id: idOrInt,
    zone: str,
    status: str,
    state: str,
    updated_at: nullable(str),
    disabled_reason: nullable(str),
    forced_down: bool,
  },
  ['binary', 'host', 'id'],
);

export const AGGREGATE = obj(
  {
    availability_zone: nullable(str),
    created_at: str,
    deleted: bool,
    deleted_at: nullable(str),
    hosts: arr(str),
    id: int,
    metadata: mapOf(str),
    name: str,
    updated_at: nullable(str),
    uuid: str,
  },
  ['id', 'name'],
);

export const KEYPAIR = obj(
  {
    name: str,
    public_key: str,
    fingerprint: str,
    type: str,
    user_id: str,
    private_key: str,
    created_at: str,
    deleted: bool,
    deleted_at: nullable(str),
    id: int,
    updated_at: nullable(str),
  },
  ['name'],
);

export const SERVER_GROUP = obj(
  {
    id: str,
    name: str,
    policies: arr(str),
    policy: str,
    rules: mapOf(anyValue),
    members: arr(str),
    metadata: mapOf(anyValue),
    project_id: str,
    user_id: str,
  },
  ['id', 'name'],
);

export const MIGRATION = obj(
  {
    id: int,
    uuid: str,
    status: str,
    migration_type: str,
    instance_uuid: str,
    server_uuid: str,
    source_compute: nullable(str),
    dest_compute: nullable(str),
    source_node: nullable(str),
    dest_node: nullable(str),
    dest_host: nullable(str),
    old_instance_type_id: nullable(int),
    new_instance_type_id: nullable(int),
    created_at: str,
    updated_at: nullable(str),
    project_id: str,
    user_id: str,
    links,
  },
  ['id'],
);

export const INSTANCE_ACTION = obj(
  {
    action: str,
    instance_uuid: str,
    request_id: str,
    user_id: nullable(str),
    project_id: nullable(str),
    start_time: str,
    updated_at: nullable(str),
    message: nullable(str),
    events: arr(mapOf(anyValue)),
  },
  ['action', 'request_id'],
);

export const QUOTA_SET = obj({ id: str }, []);

export const NOVA_SECURITY_GROUP = obj(
  { id: str, name: str, description: str, tenant_id: str, rules: arr(mapOf(anyValue)) },
  ['id', 'name'],
);

export const VERSION = obj({ id: str, status: str, version: str, min_version: str, updated: str, links }, [
  'id',
  'status',
]);

export const INTERFACE = obj(
  {
    port_id: str,
    net_id: str,
    mac_addr: str,
    port_state: str,
    fixed_ips: arr(obj({ subnet_id: str, ip_address: str })),
    tag: nullable(str),
  },
  ['port_id'],
);

export { collection, wrapped };
