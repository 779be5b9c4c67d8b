import { IMAGE_VISIBILITIES, type ImageVisibility, MEMBER_STATUSES } from '../../../entities';
import { type MemberStatusFilter } from '../../../common/image';
import { ApiError } from '../common/api-error';

/** Glance's limit_param_default and api_limit_max. */
const DEFAULT_LIMIT = 25;
const MAX_LIMIT = 1000;

export const SORT_KEYS = [
  'name',
  'status',
  'container_format',
  'disk_format',
  'size',
  'id',
  'created_at',
  'updated_at',
] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDir = 'asc' | 'desc';

/** Attributes Glance filters by equality or, with `in:`, by any of several values. */
const LIST_ATTRIBUTES = ['name', 'id', 'status', 'container_format', 'disk_format'] as const;
const TIME_ATTRIBUTES = ['created_at', 'updated_at'] as const;
const TIME_OPERATORS = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte'] as const;
export type TimeOperator = (typeof TIME_OPERATORS)[number];

export interface ImageListQuery {
  limit: number;
  marker?: string;
  memberStatus: MemberStatusFilter;
  visibility?: ImageVisibility | 'all';
  osHidden: boolean;
  protected?: boolean;
  owner?: string;
  sizeMin?: number;
  sizeMax?: number;
  tags: string[];
  attributes: { key: (typeof LIST_ATTRIBUTES)[number]; values: string[] }[];
  times: { key: (typeof TIME_ATTRIBUTES)[number]; op: TimeOperator; at: Date }[];
  /** Any other parameter filters on an extra property, as in Glance. */
  properties: { key: string; value: string }[];
  /** The requested order, completed with created_at and id so that pages never overlap. */
  sort: { key: SortKey; dir: SortDir }[];
}

const bad = (message: string) => new ApiError('badRequest', message);

const PAGING_AND_SORTING = new Set(['limit', 'marker', 'member_status', 'sort', 'sort_key', 'sort_dir']);
const KNOWN_FILTERS = new Set<string>([
  'visibility',
  'os_hidden',
  'protected',
  'owner',
  'size_min',
  'size_max',
  'tag',
  ...LIST_ATTRIBUTES,
  ...TIME_ATTRIBUTES,
]);

/**
 * The parameters parseImageListQuery reads, for the OpenAPI document (any other name filters
 * on an extra property): limit and size bounds as integers, the rest as Glance's strings.
 */
export const IMAGE_LIST_PARAMS: Record<string, object> = {
  ...Object.fromEntries([...PAGING_AND_SORTING, ...KNOWN_FILTERS].map((name) => [name, { type: 'string' }])),
  limit: { type: 'integer', minimum: 0 },
  size_min: { type: 'integer' },
  size_max: { type: 'integer' },
  sort_key: { type: 'string', enum: [...SORT_KEYS] },
  sort_dir: { type: 'string', enum: ['asc', 'desc'] },
  member_status: { type: 'string', enum: ['all', ...MEMBER_STATUSES] },
  visibility: { type: 'string', enum: ['all', ...IMAGE_VISIBILITIES] },
  os_hidden: { type: 'string', enum: ['true', 'false'] },
  protected: { type: 'string', enum: ['true', 'false'] },
};

function parseLimit(text: string): number {
  if (!/^\s*[-+]?\d+\s*$/.test(text)) throw bad('limit param must be an integer');
  const limit = Number(text);
  if (limit < 0) throw bad('limit param must be positive');
  return Math.min(limit, MAX_LIMIT);
}

function parseBoolean(name: string, text: string): boolean {
  const value = text.toLowerCase();
  if (value !== 'true' && value !== 'false') {
    throw bad(`Invalid value '${text}' for '${name}' filter. Valid values are 'true' or 'false'.`);
  }
  return value === 'true';
}

function parseSize(text: string): number {
  if (!/^\s*[-+]?\d+\s*$/.test(text)) throw bad('Unable to filter on a range with a non-numeric value.');
  // Glance's int() has no bound; no image is larger than 2^53 bytes, so a bound beyond means the same.
  return Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number(text), Number.MAX_SAFE_INTEGER));
}

/** Glance's `op:value` split; a bare ISO 8601 timestamp is an equality. */
function splitOperator(text: string): [string, string] {
  const colon = text.indexOf(':');
  if (colon < 0 || /^\d{4}-\d{2}-\d{2}T/.test(text)) return ['eq', text];
  return [text.slice(0, colon), text.slice(colon + 1)];
}

/** The values of `in:a,"b,c",d`, double quotes protecting commas as in Glance. */
function splitValues(text: string): string[] {
  return [...text.matchAll(/"((?:[^"\\]|\\.)*)",?|([^,]+),?|,/g)].map((match) => match[1] ?? match[2] ?? '');
}

function validSortKey(key: string): SortKey {
  if (!(SORT_KEYS as readonly string[]).includes(key)) {
    throw bad(`Invalid sort key: ${key}. It must be one of the following: ${SORT_KEYS.join(', ')}.`);
  }
  return key as SortKey;
}

function validSortDir(dir: string): SortDir {
  if (dir !== 'asc' && dir !== 'desc') throw bad(`Invalid sort direction: ${dir}`);
  return dir;
}

/** Glance's two sorting syntaxes: sort=name:asc,size and sort_key=name&sort_dir=asc. */
function parseSort(params: URLSearchParams): { key: SortKey; dir: SortDir }[] {
  const sort: { key: SortKey; dir: SortDir }[] = [];
  let defaultDir: SortDir = 'desc';
  if (params.has('sort')) {
    if (params.has('sort_key') || params.has('sort_dir')) {
      throw bad('Old and new sorting syntax cannot be combined');
    }
    for (const item of params.get('sort')!.trim().split(',')) {
      const [key, dir] = item.split(':');
      sort.push({ key: validSortKey(key.trim()), dir: dir ? validSortDir(dir.trim()) : 'desc' });
    }
    if (sort.length === 1) defaultDir = sort[0].dir;
  } else {
    const keys = params.getAll('sort_key').map((key) => validSortKey(key.trim()));
    const dirs = params.getAll('sort_dir').map((dir) => validSortDir(dir.trim()));
    if (dirs.length > 1 && dirs.length !== keys.length) {
      throw bad('Number of sort dirs does not match the number of sort keys');
    }
    if (dirs.length === 1) defaultDir = dirs[0];
    if (keys.length === 0) keys.push('created_at');
    keys.forEach((key, index) => sort.push({ key, dir: dirs.length > 1 ? dirs[index] : defaultDir }));
  }
  for (const key of ['created_at', 'id'] as const) {
    if (!sort.some((item) => item.key === key)) sort.push({ key, dir: defaultDir });
  }
  return sort;
}

function parseMemberStatus(text: string | null): MemberStatusFilter {
  const status = text ?? 'accepted';
  if (status !== 'all' && !(MEMBER_STATUSES as readonly string[]).includes(status)) {
    throw bad(`Invalid status: ${status}`);
  }
  return status as MemberStatusFilter;
}

function parseVisibility(text: string | null): ImageVisibility | 'all' | undefined {
  if (!text) return undefined;
  if (text !== 'all' && !(IMAGE_VISIBILITIES as readonly string[]).includes(text)) {
    throw bad(`Invalid visibility value: ${text}`);
  }
  return text as ImageVisibility | 'all';
}

function parseTime(key: (typeof TIME_ATTRIBUTES)[number], text: string) {
  const [op, value] = splitOperator(text);
  if (!(TIME_OPERATORS as readonly string[]).includes(op)) {
    throw bad(`Unable to filter by unknown operator '${op}'.`);
  }
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(at.getTime())) {
    throw bad(`Bad "${key}" query filter format. Use ISO 8601 DateTime notation.`);
  }
  return { key, op: op as TimeOperator, at };
}

function parseAttribute(key: (typeof LIST_ATTRIBUTES)[number], text: string) {
  const [op, value] = splitOperator(text);
  if (op === 'in') return { key, values: splitValues(value) };
  if (op === 'eq') return { key, values: [value] };
  throw bad(`Unable to filter by unknown operator '${op}'.`);
}

/** GET /v2/images parameters, validated in Glance's words. */
export function parseImageListQuery(params: URLSearchParams): ImageListQuery {
  const get = (name: string) => params.get(name) ?? undefined;
  const sizeMin = get('size_min');
  const sizeMax = get('size_max');
  const isProtected = get('protected');
  return {
    limit: params.has('limit') ? parseLimit(params.get('limit')!) : DEFAULT_LIMIT,
    marker: get('marker'),
    memberStatus: parseMemberStatus(params.get('member_status')),
    visibility: parseVisibility(params.get('visibility')),
    osHidden: parseBoolean('os_hidden', get('os_hidden') ?? 'false'),
    protected: isProtected === undefined ? undefined : parseBoolean('protected', isProtected),
    owner: get('owner'),
    sizeMin: sizeMin === undefined ? undefined : parseSize(sizeMin),
    sizeMax: sizeMax === undefined ? undefined : parseSize(sizeMax),
    tags: params.getAll('tag').map((tag) => tag.trim()),
    attributes: LIST_ATTRIBUTES.filter((key) => params.has(key)).map((key) =>
      parseAttribute(key, params.get(key)!),
    ),
    times: TIME_ATTRIBUTES.filter((key) => params.has(key)).map((key) => parseTime(key, params.get(key)!)),
    properties: [...new Set(params.keys())]
      .filter((key) => !PAGING_AND_SORTING.has(key) && !KNOWN_FILTERS.has(key))
      .map((key) => ({ key, value: params.get(key)! })),
    sort: parseSort(params),
  };
}

/**
 * Glance's `first` and `next` links: the same query without (first) or with (next) a marker,
 * relative to the endpoint root ("/v2/images?..."), which is where clients resolve them.
 */
export function pageLinks(params: URLSearchParams, nextMarker: string | undefined) {
  const query = new URLSearchParams(params);
  query.delete('marker');
  const first = query.size > 0 ? `/v2/images?${query}` : '/v2/images';
  if (nextMarker === undefined) return { first };
  query.set('marker', nextMarker);
  return { first, next: `/v2/images?${query}` };
}
