import { badRequest } from '../../common/api-error';
import { pyRepr } from '../../common/py-repr';
import { dateTimeParam } from '../iso-time';
import { ApiVersion } from '../microversion';

type Query = Record<string, unknown>;

/** The filters Nova's migration_get_all_by_filters applies, each optional. */
export interface MigrationFilters {
  host?: string;
  sourceCompute?: string;
  node?: string;
  instanceUuid?: string;
  uuid?: string;
  status?: string;
  migrationType?: string;
  hidden?: boolean;
  userId?: string;
  projectId?: string;
  changesSince?: Date;
  changesBefore?: Date;
}

/** GET /os-migrations as asked: its filters and, from 2.59, its page. */
export interface MigrationListQuery {
  filters: MigrationFilters;
  page?: { limit: number; marker?: string };
}

/** A repeated parameter counts by its last value, as webob's MultiDict hands it to Nova. */
const last = (value: unknown): string | undefined =>
  value === undefined ? undefined : String(Array.isArray(value) ? value.at(-1) : value);

/** The properties of list_query_params_v259/v266/v280, in the schema's order. */
function knownParams(v: ApiVersion): string[] {
  return [
    ...['hidden', 'host', 'instance_uuid', 'source_compute', 'status', 'migration_type'],
    ...['limit', 'marker', 'changes-since'],
    ...(v.atLeast('2.66') ? ['changes-before'] : []),
    ...(v.atLeast('2.80') ? ['user_id', 'project_id'] : []),
  ];
}

/** Every microversion's parameters, for the OpenAPI document (limit as parameter_types.non_negative_integer). */
export const MIGRATION_LIST_PARAMS: Record<string, object> = {
  ...Object.fromEntries(
    [...knownParams(new ApiVersion(2, 93)), 'node', 'uuid'].map((name) => [name, { type: 'string' }]),
  ),
  limit: { type: 'integer', minimum: 0 },
};

const SINGLE_PARAMS = ['limit', 'marker', 'changes-since', 'changes-before', 'user_id', 'project_id'];

const invalid = (name: string, value: unknown, why: string) =>
  badRequest(`Invalid input for query parameters ${name}. Value: ${value}. ${why}`);

/** From 2.59 the query schema has additionalProperties false and single-valued paging parameters. */
function checkSchema(query: Query, v: ApiVersion): void {
  const known = knownParams(v);
  for (const name of known.filter((key) => SINGLE_PARAMS.includes(key) && Array.isArray(query[key]))) {
    const values = query[name] as unknown[];
    if (values.length > 1) throw invalid(name, pyRepr(values), `${pyRepr(values)} is too long`);
  }
  if (query.limit !== undefined) {
    // parameter_types.non_negative_integer on a query string.
    const value = last(query.limit)!;
    if (!/^[0-9]*$/.test(value)) throw invalid('limit', value, `'${value}' does not match '^[0-9]*$'`);
    if (value === '') throw invalid('limit', value, "'' is too short");
  }
  const extra = Object.keys(query).filter((key) => !known.includes(key));
  if (extra.length > 0) {
    const names = extra.map((key) => pyRepr(key)).join(', ');
    throw badRequest(
      `Additional properties are not allowed (${names} ${extra.length === 1 ? 'was' : 'were'} unexpected)`,
    );
  }
}

/** oslo's bool_from_string, as a boolean column compares with `hidden`. */
function hiddenParam(raw: string | undefined): boolean | undefined {
  if (raw === undefined) return undefined;
  return ['1', 't', 'true', 'on', 'y', 'yes'].includes(raw.trim().toLowerCase());
}

/**
 * Reads GET /os-migrations's query per microversion, as Nova's MigrationsController does: below
 * 2.59 any parameter passes (schema additionalProperties true) and every one the database knows
 * filters, while changes-since and changes-before are dropped; from 2.59 the schema decides, with
 * paging by limit and marker and changes-since, changes-before from 2.66, user_id and project_id
 * from 2.80.
 */
export function migrationListQuery(query: Query, v: ApiVersion, maxLimit: number): MigrationListQuery {
  const paged = v.atLeast('2.59');
  if (paged) checkSchema(query, v);
  const filters: MigrationFilters = {
    host: last(query.host),
    sourceCompute: last(query.source_compute),
    instanceUuid: last(query.instance_uuid),
    status: last(query.status),
    migrationType: last(query.migration_type),
    hidden: hiddenParam(last(query.hidden)),
    userId: last(query.user_id),
    projectId: last(query.project_id),
    // Filters the database knows but the 2.59 schema does not list.
    ...(!paged && { node: last(query.node), uuid: last(query.uuid) }),
  };
  if (!paged) return { filters };

  if (query['changes-since'] !== undefined)
    filters.changesSince = dateTimeParam('changes-since', query['changes-since']);
  if (v.atLeast('2.66') && query['changes-before'] !== undefined) {
    filters.changesBefore = dateTimeParam('changes-before', query['changes-before']);
    if (filters.changesSince && filters.changesBefore < filters.changesSince)
      throw badRequest('The value of changes-since must be less than or equal to changes-before.');
  }
  const limit = query.limit === undefined ? maxLimit : Math.min(Number(last(query.limit)), maxLimit);
  return { filters, page: { limit, marker: last(query.marker) } };
}
