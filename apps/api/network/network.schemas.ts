/** Request bodies of the network API, with Neutron's attribute names and limits. */
import { type BindingProfile } from '../../../entities';

const string255 = { type: 'string', maxLength: 255 };
const boolean = { type: 'boolean' };
const owner = { tenant_id: string255, project_id: string255 };
const tags = { type: 'array', items: { type: 'string', minLength: 1, maxLength: 255 } };

/** `{ "<resource>": { ...attributes } }`, nothing else. */
const wrapped = (resource: string, properties: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  required: [resource],
  additionalProperties: false,
  properties: {
    [resource]: { type: 'object', additionalProperties: false, required, properties },
  },
});

export interface OwnerBody {
  tenant_id?: string;
  project_id?: string;
}

export interface NetworkBody extends OwnerBody {
  name?: string;
  description?: string;
  admin_state_up?: boolean;
  shared?: boolean;
  'router:external'?: boolean;
  mtu?: number;
  port_security_enabled?: boolean;
}

const networkAttributes = {
  name: string255,
  description: string255,
  admin_state_up: boolean,
  shared: boolean,
  'router:external': boolean,
  mtu: { type: 'integer', minimum: 68 },
  port_security_enabled: boolean,
};

export const networkCreateSchema = wrapped('network', { ...networkAttributes, ...owner });
export const networkUpdateSchema = wrapped('network', networkAttributes);

export interface SubnetBody extends OwnerBody {
  network_id?: string;
  cidr?: string;
  ip_version?: 4 | 6;
  name?: string;
  description?: string;
  gateway_ip?: string | null;
  allocation_pools?: { start: string; end: string }[];
  enable_dhcp?: boolean;
  dns_nameservers?: string[];
  host_routes?: { destination: string; nexthop: string }[];
}

const subnetAttributes = {
  name: string255,
  description: string255,
  gateway_ip: { type: ['string', 'null'] },
  allocation_pools: {
    type: 'array',
    items: {
      type: 'object',
      required: ['start', 'end'],
      additionalProperties: false,
      properties: { start: { type: 'string' }, end: { type: 'string' } },
    },
  },
  enable_dhcp: boolean,
  dns_nameservers: { type: 'array', items: { type: 'string' } },
  host_routes: {
    type: 'array',
    items: {
      type: 'object',
      required: ['destination', 'nexthop'],
      additionalProperties: false,
      properties: { destination: { type: 'string' }, nexthop: { type: 'string' } },
    },
  },
};

export const subnetCreateSchema = wrapped(
  'subnet',
  {
    ...subnetAttributes,
    ...owner,
    network_id: { type: 'string', format: 'uuid' },
    cidr: { type: 'string' },
    ip_version: { enum: [4, 6] },
    // What clients send for features this service lacks, when they send their defaults.
    subnetpool_id: { type: 'null' },
    ipv6_ra_mode: { type: 'null' },
    ipv6_address_mode: { type: 'null' },
  },
  ['network_id', 'cidr'],
);
export const subnetUpdateSchema = wrapped('subnet', subnetAttributes);

export interface FixedIpBody {
  subnet_id?: string;
  ip_address?: string;
}

export interface PortBody extends OwnerBody {
  network_id?: string;
  name?: string;
  description?: string;
  admin_state_up?: boolean;
  mac_address?: string;
  fixed_ips?: FixedIpBody[];
  device_id?: string;
  device_owner?: string;
  'binding:host_id'?: string;
  'binding:vnic_type'?: string;
  'binding:profile'?: BindingProfile;
  port_security_enabled?: boolean;
  /** Group ids; null is Neutron's empty list. */
  security_groups?: string[] | null;
  tags?: string[];
}

const VNIC_TYPES = [
  'normal',
  'direct',
  'macvtap',
  'baremetal',
  'direct-physical',
  'virtio-forwarder',
  'smart-nic',
  'vdpa',
  'remote-managed',
];

const portAttributes = {
  name: string255,
  description: string255,
  admin_state_up: boolean,
  mac_address: { type: 'string', pattern: '^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$' },
  fixed_ips: {
    type: 'array',
    items: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: { subnet_id: { type: 'string' }, ip_address: { type: 'string' } },
    },
  },
  device_id: string255,
  device_owner: string255,
  'binding:host_id': string255,
  'binding:vnic_type': { enum: VNIC_TYPES },
  'binding:profile': { type: 'object' },
  port_security_enabled: boolean,
  security_groups: { type: ['array', 'null'], items: { type: 'string' } },
};

export const portCreateSchema = wrapped(
  'port',
  { ...portAttributes, ...owner, network_id: { type: 'string', format: 'uuid' }, tags },
  ['network_id'],
);
export const portUpdateSchema = wrapped('port', portAttributes);

export const tagsSchema = {
  type: 'object',
  required: ['tags'],
  additionalProperties: false,
  properties: { tags },
};
