import { type SelectQueryBuilder } from 'typeorm';
import { type Instance } from '../../../../entities';
import { ApiError } from '../../common/api-error';
import { pyRepr, pyStr } from '../../common/py-repr';
import { type ApiVersion } from '../microversion';

/** Parameters naming joined tables, or starting with '_': Nova answers 400 rather than filter. */
const JOINED_TABLE_PARAMS = [
  'block_device_mapping',
  'services',
  'metadata',
  'system_metadata',
  'info_cache',
  'security_groups',
  'pci_devices',
];

/** The properties of Nova's query_params_v275 schema: from 2.75 anything else is a 400. */
const KNOWN_PARAMS = new Set([
  ...['user_id', 'project_id', 'tenant_id', 'launch_index', 'image_ref', 'image', 'kernel_id'],
  ...['ramdisk_id', 'hostname', 'key_name', 'power_state', 'vm_state', 'task_state', 'host'],
  ...['node', 'flavor', 'reservation_id', 'launched_at', 'terminated_at', 'availability_zone'],
  ...['name', 'display_name', 'description', 'display_description', 'locked_by', 'uuid'],
  ...['root_device_name', 'config_drive', 'access_ip_v4', 'access_ip_v6', 'auto_disk_config'],
  ...['progress', 'sort_key', 'sort_dir', 'all_tenants', 'soft_deleted', 'deleted', 'status'],
  ...['changes-since', 'ip', 'ip6', 'created_at', 'limit', 'marker'],
  ...['tags', 'tags-any', 'not-tags', 'not-tags-any', 'changes-before', 'locked'],
  ...JOINED_TABLE_PARAMS,
]);

export const TAG_FILTERS = ['tags', 'tags-any', 'not-tags', 'not-tags-any'] as const;

/**
 * The query parameters of a server list for the OpenAPI document: every known name, each read
 * as a string (a regex for REGEX_PARAMS below), and Nova's non-negative integer limit.
 */
export const SERVER_LIST_PARAMS: Record<string, object> = Object.fromEntries(
  [...KNOWN_PARAMS].map((name) => [
    name,
    name === 'limit' ? { type: 'integer', minimum: 0 } : { type: 'string' },
  ]),
);

/** The parameters of Nova's query schema that are common_query_regex_param (format 'regex'). */
const REGEX_PARAMS = [
  ...['kernel_id', 'ramdisk_id', 'hostname', 'key_name', 'power_state', 'node', 'flavor'],
  ...['reservation_id', 'launched_at', 'terminated_at', 'availability_zone', 'name', 'display_name'],
  ...['description', 'display_description', 'locked_by', 'root_device_name', 'config_drive'],
  ...['access_ip_v4', 'access_ip_v6', 'auto_disk_config', 'progress', 'ip', 'ip6', 'created_at'],
];
const REGEX_PARAMS_226 = [...TAG_FILTERS];

/** Whether a pattern compiles (Nova asks Python's re; JavaScript's syntax is its near neighbour). */
function compiles(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

/**
 * Nova's query schema's 'regex' format on every value of those parameters, in its words: an empty
 * or uncompilable pattern is a 400 ("Invalid input for query parameters name. Value: (. '(' is
 * not a 'regex'"), not a query the database refuses. Returns whether any regex filter is given.
 */
export function checkRegexParams(query: Record<string, unknown>, version: ApiVersion): boolean {
  const names = version.atLeast('2.26') ? [...REGEX_PARAMS, ...REGEX_PARAMS_226] : REGEX_PARAMS;
  let any = false;
  for (const name of names) {
    if (query[name] === undefined) continue;
    any = true;
    for (const value of ([] as unknown[]).concat(query[name])) {
      if (typeof value !== 'string') {
        throw new ApiError(
          'badRequest',
          `Invalid input for query parameters ${name}. Value: ${pyStr(value)}. ${pyRepr(value)} is not of type 'string'`,
        );
      }
      if (value === '' || !compiles(value)) {
        throw new ApiError(
          'badRequest',
          `Invalid input for query parameters ${name}. Value: ${value}. ${pyRepr(value)} is not a 'regex'`,
        );
      }
    }
  }
  return any;
}

/**
 * Nova's 2.75 rule (additionalProperties: False) and its "Invalid filter field" for joined tables;
 * the latter only reaches callers allowed all filters, as Nova strips it for the others first.
 */
export function checkListParams(query: Record<string, unknown>, version: ApiVersion, allFilters: boolean) {
  const names = Object.keys(query);
  if (version.atLeast('2.75')) {
    const unknown = names.filter((name) => !KNOWN_PARAMS.has(name) && !name.startsWith('_'));
    if (unknown.length > 0) {
      const which = unknown.map((name) => pyRepr(name)).join(', ');
      throw new ApiError(
        'badRequest',
        `Additional properties are not allowed (${which} ${unknown.length === 1 ? 'was' : 'were'} unexpected)`,
      );
    }
  }
  const invalid = names.find((name) => JOINED_TABLE_PARAMS.includes(name) || name.startsWith('_'));
  if (allFilters && invalid !== undefined)
    throw new ApiError('badRequest', `Invalid filter field: ${invalid}.`);
}

/** The filters a caller without allow_all_filters may use at a microversion (others are dropped). */
export function userFilters(version: ApiVersion): Set<string> {
  const names = ['reservation_id', 'name', 'status', 'image', 'flavor', 'ip', 'changes-since'];
  if (version.atLeast('2.5')) names.push('ip6');
  if (version.atLeast('2.26')) names.push(...TAG_FILTERS);
  if (version.atLeast('2.66')) names.push('changes-before');
  if (version.atLeast('2.73')) names.push('locked');
  if (version.atLeast('2.83')) {
    names.push('availability_zone', 'config_drive', 'key_name', 'created_at', 'launched_at');
    names.push('terminated_at', 'power_state', 'task_state', 'vm_state', 'progress', 'user_id');
  }
  if (version.atLeast('2.90')) names.push('hostname');
  return new Set(names);
}

/** Columns Nova filters by regular expression (any column outside its exact-match list). */
const REGEX_COLUMNS: Record<string, string> = {
  availability_zone: 'i.availability_zone',
  config_drive: 'i.config_drive',
  key_name: 'i.key_name',
  hostname: 'i.hostname',
  node: 'i.node',
  reservation_id: 'i.reservation_id',
  power_state: 'i.power_state::text',
  progress: 'i.progress::text',
  // Timestamps as MySQL renders them, the text Nova's REGEXP sees.
  created_at: `to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')`,
  launched_at: `to_char(i.launched_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')`,
  terminated_at: `to_char(i.terminated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS')`,
};
const EXACT_COLUMNS: Record<string, string> = {
  user_id: 'i.user_id',
  host: 'i.host',
  vm_state: 'i.vm_state',
  task_state: 'i.task_state',
};

/** The column filters the query carries and the caller may use, each on its last value. */
export function filterColumns(
  builder: SelectQueryBuilder<Instance>,
  query: Record<string, unknown>,
  may: (name: string) => boolean,
  last: (value: unknown) => string,
) {
  Object.entries({ ...REGEX_COLUMNS, ...EXACT_COLUMNS }).forEach(([name, column], index) => {
    if (query[name] === undefined || !may(name)) return;
    const op = name in EXACT_COLUMNS ? '=' : '~';
    builder.andWhere(`${column} ${op} :column${index}`, { [`column${index}`]: last(query[name]) });
  });
}

/**
 * Nova's tag filters (2.26), each a comma-separated list: `tags` all of them, `tags-any` one of
 * them, `not-tags` not all of them, `not-tags-any` none of them.
 */
export function filterTags(
  builder: SelectQueryBuilder<Instance>,
  query: Record<string, unknown>,
  may: (name: string) => boolean,
  last: (value: unknown) => string,
) {
  const has = `SELECT 1 FROM instance_tags t WHERE t.instance_uuid = i.uuid AND t.tag`;
  TAG_FILTERS.forEach((name, index) => {
    if (query[name] === undefined || !may(name)) return;
    const tags = last(query[name]).split(',');
    const param = `tagFilter${index}`;
    const all = `(SELECT count(DISTINCT t.tag) FROM instance_tags t
                   WHERE t.instance_uuid = i.uuid AND t.tag IN (:...${param})) = ${new Set(tags).size}`;
    const where = {
      tags: all,
      'tags-any': `EXISTS (${has} IN (:...${param}))`,
      'not-tags': `NOT (${all})`,
      'not-tags-any': `NOT EXISTS (${has} IN (:...${param}))`,
    }[name];
    builder.andWhere(where, { [param]: tags });
  });
}
