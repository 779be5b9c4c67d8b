import { arr, bool, type JsonSchema, mapOf, nullable, obj, str, wrapped } from '../common/openapi-shapes';

/** The shapes of Keystone's bodies (views.ts), for the OpenAPI document. */
const selfLink = obj({ self: str }, ['self']);

export const DOMAIN = obj(
  {
    id: str,
    name: str,
    description: str,
    enabled: bool,
    tags: arr(str),
    options: mapOf({}),
    links: selfLink,
  },
  ['id', 'name', 'enabled'],
);

export const PROJECT = obj(
  {
    id: str,
    name: str,
    domain_id: str,
    description: str,
    enabled: bool,
    parent_id: nullable(str),
    is_domain: bool,
    tags: arr(str),
    options: mapOf({}),
    links: selfLink,
  },
  ['id', 'name', 'domain_id', 'enabled'],
);

export const USER = obj(
  {
    id: str,
    name: str,
    domain_id: str,
    enabled: bool,
    password_expires_at: nullable(str),
    options: mapOf({}),
    email: str,
    description: str,
    default_project_id: str,
    links: selfLink,
  },
  ['id', 'name', 'domain_id', 'enabled'],
);

export const ROLE = obj(
  {
    id: str,
    name: str,
    domain_id: nullable(str),
    description: nullable(str),
    options: mapOf({}),
    links: selfLink,
  },
  ['id', 'name'],
);

const idName = obj({ id: str, name: str }, ['id']);
const endpoint = obj({ id: str, interface: str, region: str, region_id: str, url: str }, ['url']);
export const CATALOG = arr(obj({ id: str, type: str, name: str, endpoints: arr(endpoint) }, ['type']));

export const TOKEN = wrapped(
  'token',
  obj(
    {
      methods: arr(str),
      user: obj({ id: str, name: str, domain: idName, password_expires_at: nullable(str) }, ['id']),
      audit_ids: arr(str),
      expires_at: str,
      issued_at: str,
      project: obj({ id: str, name: str, domain: idName }, ['id']),
      is_domain: bool,
      domain: idName,
      roles: arr(idName),
      catalog: CATALOG,
    },
    ['methods', 'user', 'expires_at', 'issued_at'],
  ),
);

/** Keystone's list: `{"<key>": [...], "links": {"self", "previous", "next"}}`. */
export const keystoneList = (key: string, item: JsonSchema) =>
  obj({ [key]: arr(item), links: obj({ self: str, previous: nullable(str), next: nullable(str) }) }, [
    key,
    'links',
  ]);

export const VERSION = obj(
  { id: str, status: str, updated: str, links: arr(obj({ rel: str, href: str })), 'media-types': arr({}) },
  ['id', 'status'],
);
