import { LEGACY_NETWORK_QUOTAS, QUOTA_RESOURCES } from '../../../common/compute/quotas';
import { type ApiVersion } from './microversion';

/**
 * Which quota fields each microversion shows and accepts, shared by os-quota-sets and
 * os-quota-class-sets: Nova drops the nova-network quotas (at 2.36 for quota sets, at 2.50 for
 * quota classes) and the personality-file quotas at 2.57 (FILTERED_QUOTAS_2_36/2_50/2_57).
 */
export const NETWORK_QUOTAS = Object.keys(LEGACY_NETWORK_QUOTAS) as (keyof typeof LEGACY_NETWORK_QUOTAS)[];
export const INJECTED_QUOTAS = ['injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes'];
/** Quota classes hid these before 2.50 (Nova bug 1693168). */
const SERVER_GROUP_QUOTAS = ['server_groups', 'server_group_members'];

/** Nova's common_quota: an integer or integer string, -1 (unlimited) up to MAX_INT. */
const quotaValue = { type: ['integer', 'string'], pattern: '^-?[0-9]+$', minimum: -1, maximum: 2147483647 };

export interface QuotaFields {
  /** The fields a response carries. */
  shown: string[];
  /** Whether the legacy network quotas are among them. */
  network: boolean;
  /** The update body's schema at this version. */
  updateSchema: object;
}

function updateSchema(wrapper: string, accepted: string[], extra: Record<string, object>) {
  return {
    type: 'object',
    required: [wrapper],
    additionalProperties: false,
    properties: {
      [wrapper]: {
        type: 'object',
        additionalProperties: false,
        properties: { ...Object.fromEntries(accepted.map((name) => [name, quotaValue])), ...extra },
      },
    },
  };
}

/** The three shapes of one API, built once so that compiled schemas are cached. */
function versions(wrapper: string, networkUntil: string, extra: Record<string, object>) {
  const all = [...QUOTA_RESOURCES] as string[];
  const modern = all.filter((name) => !INJECTED_QUOTAS.includes(name));
  const legacyShown =
    wrapper === 'quota_class_set' ? all.filter((n) => !SERVER_GROUP_QUOTAS.includes(n)) : all;
  // 'networks' passes the old schemas only to be refused (quota sets) or ignored (quota classes).
  const legacyAccepted = [...all, ...NETWORK_QUOTAS, 'networks'];
  return {
    networkUntil,
    legacy: {
      shown: [...legacyShown, ...NETWORK_QUOTAS],
      network: true,
      updateSchema: updateSchema(wrapper, legacyAccepted, extra),
    },
    middle: { shown: all, network: false, updateSchema: updateSchema(wrapper, all, extra) },
    latest: { shown: modern, network: false, updateSchema: updateSchema(wrapper, modern, extra) },
  };
}

const QUOTA_SET = versions('quota_set', '2.36', { force: { type: ['boolean', 'string'] } });
const QUOTA_CLASS_SET = versions('quota_class_set', '2.50', {});

function pick(table: ReturnType<typeof versions>, v: ApiVersion): QuotaFields {
  if (v.atLeast('2.57')) return table.latest;
  return v.atLeast(table.networkUntil) ? table.middle : table.legacy;
}

/** The widest (2.1) update schemas, for the OpenAPI document. */
export const QUOTA_SET_UPDATE_SCHEMA = QUOTA_SET.legacy.updateSchema;
export const QUOTA_CLASS_SET_UPDATE_SCHEMA = QUOTA_CLASS_SET.legacy.updateSchema;

export const quotaSetFields = (v: ApiVersion) => pick(QUOTA_SET, v);
export const quotaClassSetFields = (v: ApiVersion) => pick(QUOTA_CLASS_SET, v);

/** `values` restricted to the fields shown. */
export function shownOnly<T>(values: Record<string, T>, fields: QuotaFields): Record<string, T> {
  return Object.fromEntries(Object.entries(values).filter(([name]) => fields.shown.includes(name)));
}
