import { type ObjectLiteral, type SelectQueryBuilder } from 'typeorm';
import { formatCidr, formatIp, parseCidr, parseIp } from '../../../common/network/ip-address';
import { invalidInput } from '../../../common/network/neutron-errors';
import { isUuid } from '../../../common/uuid';
import { ApiError } from '../common/api-error';
import { pyRepr } from '../common/py-repr';

/** A query string as Express parses it: a repeated key gives an array. */
export type QueryParams = Record<string, string | string[] | undefined>;

/** An attribute a list may be filtered on: the entity property it reads and how to read values. */
export interface Filter {
  property: string;
  type: 'string' | 'boolean' | 'integer' | 'uuid' | 'ip' | 'cidr';
}

export type Filters = Record<string, Filter>;

/** The filters of Neutron's standard attributes, which every resource has. */
export const STANDARD_FILTERS: Filters = {
  id: { property: 'id', type: 'uuid' },
  name: { property: 'name', type: 'string' },
  description: { property: 'description', type: 'string' },
  project_id: { property: 'projectId', type: 'string' },
  tenant_id: { property: 'projectId', type: 'string' },
  revision_number: { property: 'revisionNumber', type: 'integer' },
};

/** A filter that is no `property IN (values)`, e.g. a port's fixed_ips. */
export type CustomFilter = (qb: SelectQueryBuilder<ObjectLiteral>, values: string[], param: string) => void;

export interface Link {
  rel: 'next' | 'previous';
  href: string;
}

export interface Page<T> {
  items: T[];
  links: Link[];
  /** The attributes the caller asked for with `fields=`, or undefined for all. */
  fields: string[] | undefined;
}

const PAGING = ['limit', 'marker', 'page_reverse', 'fields'];

/** How convert() below reads each filter type, as an OpenAPI query parameter schema. */
const FILTER_PARAM_SCHEMAS: Record<Filter['type'], object> = {
  string: { type: 'string' },
  boolean: { type: 'string', enum: ['true', 'false', 'True', 'False', '1', '0'] },
  integer: { type: 'integer' },
  uuid: { type: 'string' },
  ip: { type: 'string' },
  cidr: { type: 'string' },
};

/**
 * The query parameters listPage reads with these filters (and custom ones, read as strings),
 * for the OpenAPI document: paging, fields, tag filters (on a resource with tags) and each
 * filter as convert() reads it.
 */
export function neutronListParams(
  filters: Filters,
  options: { custom?: string[]; tagged: boolean },
): Record<string, object> {
  const custom = options.custom ?? [];
  const tags = options.tagged ? Object.keys(TAG_FILTERS) : [];
  return {
    limit: { type: 'integer', minimum: 0 },
    marker: { type: 'string' },
    page_reverse: { type: 'string' },
    fields: { type: 'string' },
    ...Object.fromEntries(tags.map((name) => [name, { type: 'string' }])),
    ...Object.fromEntries(custom.map((name) => [name, { type: 'string' }])),
    ...Object.fromEntries(
      Object.entries(filters).map(([name, filter]) => [name, FILTER_PARAM_SCHEMAS[filter.type]]),
    ),
  };
}

/** Neutron's tag filters: all of, any of, none of all, none of any (comma-separated tags). */
const TAG_FILTERS: Record<string, (column: string, param: string) => string> = {
  tags: (column, param) => `${column} @> :${param}::jsonb`,
  'tags-any': (column, param) => `${column} ?| :${param}::text[]`,
  'not-tags': (column, param) => `NOT ${column} @> :${param}::jsonb`,
  'not-tags-any': (column, param) => `NOT ${column} ?| :${param}::text[]`,
};

/** The non-empty values of a query parameter (Neutron ignores empty ones). */
const queryValues = (query: QueryParams, key: string): string[] =>
  ([] as string[]).concat(query[key] ?? []).filter((value) => value !== '');

/** The attributes asked for with `fields=` (repeated), or undefined for all of them. */
export function fieldsOf(query: QueryParams): string[] | undefined {
  const fields = queryValues(query, 'fields');
  return fields.length > 0 ? fields : undefined;
}

function convert(value: string, type: Filter['type']): string | number | boolean | undefined {
  switch (type) {
    case 'boolean':
      if (/^(true|1)$/i.test(value)) return true;
      if (/^(false|0)$/i.test(value)) return false;
      throw invalidInput(`'${value}' cannot be converted to boolean`);
    case 'integer':
      // Neutron's int(): any size; beyond the column's integer it matches nothing.
      if (/^-?\d+$/.test(value)) return Math.abs(Number(value)) <= 2 ** 31 - 1 ? Number(value) : undefined;
      throw invalidInput(`'${value}' is not an integer`);
    // Values that cannot be in such a column match nothing (and would not even cast in SQL).
    case 'uuid':
      return isUuid(value) ? value : undefined;
    case 'ip': {
      const ip = parseIp(value);
      return ip && formatIp(ip.value, ip.version);
    }
    case 'cidr': {
      const cidr = parseCidr(value);
      return 'error' in cidr ? undefined : formatCidr(cidr);
    }
    default:
      return value;
  }
}

function parseLimit(query: QueryParams): number {
  const [text] = queryValues(query, 'limit');
  if (text === undefined) return 0;
  if (!/^\d+$/.test(text)) {
    throw new ApiError(
      'badRequest',
      `Bad limit request: Limit must be an integer 0 or greater and not '${text}'.`,
      'BadRequest',
    );
  }
  // Neutron's default pagination_max_limit is -1 (none): a limit beyond any table is no limit.
  return Number(text) <= 2 ** 31 - 1 ? Number(text) : 0;
}

/** Whether the rows of `qb` have Neutron's tags (security group rules have none). */
const isTagged = (qb: SelectQueryBuilder<ObjectLiteral>) =>
  qb.expressionMap.mainAlias!.metadata.findColumnWithPropertyName('tags') !== undefined;

function applyFilters(
  qb: SelectQueryBuilder<ObjectLiteral>,
  query: QueryParams,
  filters: Filters,
  custom: Record<string, CustomFilter>,
): void {
  // On a resource without tags the tag filters are unknown attributes, as any other.
  const tagged = isTagged(qb);
  const unknown = Object.keys(query).filter(
    (key) =>
      !PAGING.includes(key) &&
      !Object.hasOwn(filters, key) &&
      !Object.hasOwn(custom, key) &&
      !(tagged && Object.hasOwn(TAG_FILTERS, key)),
  );
  if (unknown.length > 0) {
    throw new ApiError('badRequest', `${pyRepr(unknown)} is invalid attribute for filtering`);
  }
  Object.keys(query).forEach((key, index) => {
    const values = queryValues(query, key);
    const param = `filter${index}`;
    if (values.length === 0 || PAGING.includes(key)) return;
    if (Object.hasOwn(custom, key)) return custom[key](qb, values, param);
    if (Object.hasOwn(TAG_FILTERS, key)) {
      const tags = values.flatMap((value) => value.split(',')).filter(Boolean);
      const value = key.endsWith('-any') ? tags : JSON.stringify(tags);
      qb.andWhere(TAG_FILTERS[key](`${qb.alias}.tags`, param), { [param]: value });
      return;
    }
    const filter = filters[key];
    const converted = values
      .map((value) => convert(value, filter.type))
      .filter((value) => value !== undefined);
    if (converted.length === 0) qb.andWhere('1 = 0');
    else qb.andWhere(`${qb.alias}.${filter.property} IN (:...${param})`, { [param]: converted });
  });
}

function pageLink(
  selfUrl: string,
  query: QueryParams,
  limit: number,
  marker: string,
  reverse: boolean,
): Link {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (['limit', 'marker', 'page_reverse'].includes(key)) continue;
    for (const item of ([] as string[]).concat(value ?? [])) params.append(key, item);
  }
  params.set('limit', String(limit));
  params.set('marker', marker);
  if (reverse) params.set('page_reverse', 'True');
  return { rel: reverse ? 'previous' : 'next', href: `${selfUrl}?${params}` };
}

/**
 * Runs a Neutron list query on `qb` (already narrowed to what the caller may see): attribute
 * filters (a repeated key means any of its values), tag filters, `fields`, and pagination by
 * `limit`, `marker` and `page_reverse` in creation order, with the next and previous links Neutron
 * gives in `<collection>_links`.
 */
export async function listPage<T extends ObjectLiteral & { id: string }>(
  qb: SelectQueryBuilder<T>,
  query: QueryParams,
  selfUrl: string,
  filters: Filters,
  custom: Record<string, CustomFilter> = {},
): Promise<Page<T>> {
  // The marker is looked up among what the caller may see, before any filter narrows it.
  const visible = qb.clone();
  applyFilters(qb as SelectQueryBuilder<ObjectLiteral>, query, filters, custom);
  const fields = fieldsOf(query);
  const limit = parseLimit(query);
  const [marker] = queryValues(query, 'marker');
  const reverse = queryValues(query, 'page_reverse')[0]?.toLowerCase() === 'true';
  const direction = reverse ? 'DESC' : 'ASC';
  const alias = qb.alias;
  qb.orderBy(`${alias}.createdAt`, direction).addOrderBy(`${alias}.id`, direction);
  if (!limit) return { items: await qb.getMany(), links: [], fields };

  if (marker !== undefined) {
    // A marker that names no row leaves the page empty, as in Neutron; so does one the caller may
    // not see (another project's), which must not be told from one that does not exist.
    const found = isUuid(marker) && (await visible.andWhere(`${alias}.id = :marker`, { marker }).getOne());
    const table = qb.expressionMap.mainAlias!.metadata.tableName;
    const row = `(${alias}.created_at, ${alias}.id)`;
    const markerRow = `(SELECT m.created_at, m.id FROM ${table} m WHERE m.id = :marker)`;
    if (!found) qb.andWhere('1 = 0');
    else qb.andWhere(`${row} ${reverse ? '<' : '>'} ${markerRow}`, { marker });
  }
  const rows = await qb.limit(limit + 1).getMany();
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  if (reverse) items.reverse();
  const links: Link[] = [];
  if (items.length > 0) {
    if (reverse ? marker !== undefined : more) {
      links.push(pageLink(selfUrl, query, limit, items[items.length - 1].id, false));
    }
    if (reverse ? more : marker !== undefined) links.push(pageLink(selfUrl, query, limit, items[0].id, true));
  }
  return { items, links, fields };
}

/** Only the attributes asked for with `fields=`, as Neutron returns them. */
export function pickFields(
  view: Record<string, unknown>,
  fields: string[] | undefined,
): Record<string, unknown> {
  if (!fields) return view;
  return Object.fromEntries(Object.entries(view).filter(([key]) => fields.includes(key)));
}
