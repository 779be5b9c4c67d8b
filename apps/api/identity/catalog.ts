import { createHash } from 'node:crypto';

export const REGION = 'RegionOne';

/** The services Novaflow serves, each under its path prefix on the one API port. */
const SERVICES = [
  { type: 'identity', name: 'keystone', path: '/identity' },
  { type: 'compute', name: 'nova', path: '/compute/v2.1' },
  { type: 'image', name: 'glance', path: '/image' },
  { type: 'network', name: 'neutron', path: '/network' },
  { type: 'volume', name: 'cinder', path: '/volume/v3/{project_id}' },
] as const;

const INTERFACES = ['public', 'internal', 'admin'] as const;

/** Stable ids, so `openstack endpoint list` shows the same rows after every restart. */
const stableId = (...parts: string[]) => createHash('md5').update(parts.join('/')).digest('hex');

export interface CatalogEndpoint {
  id: string;
  interface: (typeof INTERFACES)[number];
  region: string;
  region_id: string;
  url: string;
}

export interface CatalogEntry {
  id: string;
  type: string;
  name: string;
  endpoints: CatalogEndpoint[];
}

/** The service catalog of a token; `{project_id}` in URLs becomes the token's project, as in Keystone. */
export function serviceCatalog(publicUrl: string, projectId?: string): CatalogEntry[] {
  return SERVICES.filter((service) => projectId || !service.path.includes('{project_id}')).map((service) => ({
    id: stableId(service.type),
    type: service.type,
    name: service.name,
    endpoints: INTERFACES.map((iface) => ({
      id: stableId(service.type, iface),
      interface: iface,
      region: REGION,
      region_id: REGION,
      url: `${publicUrl}${service.path.replace('{project_id}', projectId ?? '')}`,
    })),
  }));
}

/** The catalog as Keystone's /v3/services and /v3/endpoints list it (URLs keep their templates). */
export function catalogServices(publicUrl: string) {
  return SERVICES.map((service) => ({
    id: stableId(service.type),
    type: service.type,
    name: service.name,
    enabled: true,
    description: `${service.name} service of Novaflow`,
    links: { self: `${publicUrl}/identity/v3/services/${stableId(service.type)}` },
  }));
}

export function catalogEndpoints(publicUrl: string) {
  return SERVICES.flatMap((service) =>
    INTERFACES.map((iface) => ({
      id: stableId(service.type, iface),
      interface: iface,
      region: REGION,
      region_id: REGION,
      service_id: stableId(service.type),
      url: `${publicUrl}${service.path.replace('{project_id}', '$(project_id)s')}`,
      enabled: true,
      links: { self: `${publicUrl}/identity/v3/endpoints/${stableId(service.type, iface)}` },
    })),
  );
}
