import { type EntityManager } from 'typeorm';
import { type Config } from '../config';

/**
 * Nova's compute quota resources under their API names (QUOTAS.resources); each reads its default
 * from the [quota] option of the same name, except injected_file_path_bytes (injected_file_path_length).
 */
export const QUOTA_RESOURCES = [
  'instances',
  'cores',
  'ram',
  'metadata_items',
  'key_pairs',
  'server_groups',
  'server_group_members',
  'injected_files',
  'injected_file_content_bytes',
  'injected_file_path_bytes',
] as const;

export type QuotaResource = (typeof QUOTA_RESOURCES)[number];
export type QuotaLimits = Record<QuotaResource, number>;

const configOption = (resource: QuotaResource) =>
  resource === 'injected_file_path_bytes' ? 'injected_file_path_length' : resource;

/** The [quota] defaults, before any quota class or per-project override. */
export function defaultLimits(config: Config): QuotaLimits {
  return Object.fromEntries(
    QUOTA_RESOURCES.map((resource) => [resource, config.quota[configOption(resource)]]),
  ) as QuotaLimits;
}

/** Nova's quota class whose overrides are every project's defaults. */
export const DEFAULT_QUOTA_CLASS = 'default';

type Override = { resource: string; hard_limit: number };

/** `overrides` over `base`, for the resources `base` has. */
function overlay<T extends Record<string, number>>(base: T, overrides: Override[]): T {
  const limits: Record<string, number> = { ...base };
  for (const { resource, hard_limit } of overrides) {
    if (resource in limits) limits[resource] = hard_limit;
  }
  return limits as T;
}

/** A quota class's limits: its overrides over the [quota] defaults (Nova's get_class_quotas). */
export async function classLimits(
  db: EntityManager,
  config: Config,
  className: string,
): Promise<QuotaLimits> {
  const overrides: Override[] = await db.query(
    'SELECT resource, hard_limit FROM quota_classes WHERE class_name = $1',
    [className],
  );
  return overlay(defaultLimits(config), overrides);
}

/** A quota class's pre-2.50 network quotas: its overrides over Novaflow's legacy values. */
export async function classLegacyNetworkLimits(
  db: EntityManager,
  className: string,
): Promise<LegacyNetworkLimits> {
  const overrides: Override[] = await db.query(
    'SELECT resource, hard_limit FROM quota_classes WHERE class_name = $1',
    [className],
  );
  return overlay({ ...LEGACY_NETWORK_QUOTAS }, overrides);
}

/** A project's limits: its own overrides over the defaults. */
export async function projectLimits(
  db: EntityManager,
  config: Config,
  projectId: string,
): Promise<QuotaLimits> {
  const overrides: Override[] = await db.query(
    'SELECT resource, hard_limit FROM quotas WHERE project_id = $1',
    [projectId],
  );
  return overlay(await classLimits(db, config, DEFAULT_QUOTA_CLASS), overrides);
}

/** A project's pre-2.36 network quotas: its overrides over the default class's. */
export async function projectLegacyNetworkLimits(
  db: EntityManager,
  projectId: string,
): Promise<LegacyNetworkLimits> {
  const overrides: Override[] = await db.query(
    'SELECT resource, hard_limit FROM quotas WHERE project_id = $1',
    [projectId],
  );
  return overlay(await classLegacyNetworkLimits(db, DEFAULT_QUOTA_CLASS), overrides);
}

export interface ProjectUsage {
  instances: number;
  cores: number;
  ram: number;
  server_groups: number;
}

/** What a project uses now, counted from its live instances and groups (Nova's counting quotas). */
export async function projectUsage(db: EntityManager, projectId: string): Promise<ProjectUsage> {
  const [row] = await db.query(
    `SELECT
       (SELECT count(*) FROM instances WHERE project_id = $1 AND deleted_at IS NULL)::int AS instances,
       (SELECT coalesce(sum(vcpus), 0) FROM instances WHERE project_id = $1 AND deleted_at IS NULL)::int AS cores,
       (SELECT coalesce(sum(memory_mb), 0) FROM instances WHERE project_id = $1 AND deleted_at IS NULL)::int AS ram,
       (SELECT count(*) FROM server_groups WHERE project_id = $1)::int AS server_groups`,
    [projectId],
  );
  return row as ProjectUsage;
}

/**
 * The resources a request for `wanted` more would take over their limit, with Nova's numbers;
 * an empty list means it fits. -1 is unlimited.
 */
export function quotaOverages(
  limits: QuotaLimits,
  usage: ProjectUsage,
  wanted: Partial<Record<'instances' | 'cores' | 'ram', number>>,
): { resource: string; requested: number; used: number; allowed: number }[] {
  return (Object.entries(wanted) as ['instances' | 'cores' | 'ram', number][])
    .filter(([resource, amount]) => limits[resource] >= 0 && usage[resource] + amount > limits[resource])
    .map(([resource, amount]) => ({
      resource,
      requested: amount,
      used: usage[resource],
      allowed: limits[resource],
    }));
}

/**
 * How many more instances of `flavor` the project's instances, cores and ram quotas allow
 * (Infinity when all three are unlimited): Nova's headroom in check_num_instances_quota.
 */
export function headroom(
  limits: QuotaLimits,
  usage: ProjectUsage,
  flavor: { vcpus: number; memoryMb: number },
): number {
  const room = (resource: 'instances' | 'cores' | 'ram', each: number) =>
    limits[resource] < 0 || each <= 0
      ? Infinity
      : Math.max(0, Math.floor((limits[resource] - usage[resource]) / each));
  return Math.min(room('instances', 1), room('cores', flavor.vcpus), room('ram', flavor.memoryMb));
}

/** Serializes quota checks of one project within the caller's transaction. */
export async function lockProjectQuota(db: EntityManager, projectId: string): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('quota:' || $1))`, [projectId]);
}

/**
 * Before microversion 2.36 Nova also reported network quotas (it proxied nova-network's); Novaflow
 * shows Nova's old defaults there, since networks are quota'd by the network service.
 */
export const LEGACY_NETWORK_QUOTAS = {
  floating_ips: 10,
  fixed_ips: -1,
  security_groups: 10,
  security_group_rules: 20,
};

export type LegacyNetworkLimits = Record<keyof typeof LEGACY_NETWORK_QUOTAS, number>;
