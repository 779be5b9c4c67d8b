/** The Neutron API extensions this service implements, as GET /v2.0/extensions lists them. */
const EXTENSIONS: [alias: string, name: string, description: string][] = [
  ['binding', 'Port Binding', 'binding:host_id, binding:vnic_type and the other binding attributes of ports'],
  ['external-net', 'Neutron external network', 'The router:external attribute of networks'],
  ['net-mtu', 'Network MTU', 'The mtu attribute of networks'],
  ['net-mtu-writable', 'Network MTU (writable)', 'The mtu of a network may be set on create and update'],
  ['port-security', 'Port Security', 'The port_security_enabled attribute of networks and ports'],
  ['project-id', 'project_id field enabled', 'project_id beside tenant_id on every resource'],
  ['standard-attr-description', 'standard-attr-description', 'A description on every resource'],
  ['standard-attr-revisions', 'Resource revision numbers', 'revision_number, increased by every change'],
  ['standard-attr-timestamp', 'Resource timestamps', 'created_at and updated_at on every resource'],
  ['standard-attr-tag', 'Tag support for resources', 'Tags on networks, subnets and ports, and tag filters'],
  ['tag-ports-during-bulk-creation', 'Tag Ports During Bulk Creation', 'Tags given in a port create request'],
  ['pagination', 'Pagination support', 'limit, marker and page_reverse on every list'],
  ['filter-validation', 'Filter parameters validation', 'An unknown filter is an error, not ignored'],
  [
    'ip-substring-filtering',
    'IP address substring filtering',
    'fixed_ips=ip_address_substr=... on port lists',
  ],
];

const UPDATED = '2025-11-01T00:00:00-00:00';

export const extensionList = () =>
  EXTENSIONS.map(([alias, name, description]) => ({ alias, name, description, updated: UPDATED, links: [] }));
