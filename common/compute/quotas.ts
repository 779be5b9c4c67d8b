import { type EntityManager } from 'typeorm';
import { type Config } from '../config';

/** Nova's compute quota resources, in the [quota] section's names. */
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
  'injected_file_path_length',
] as const;

export type QuotaResource = (typeof QUOTA_RESOURCES)[number];
export type QuotaLimits = Record<QuotaResource, number>;

/** The [quota] defaults, before any per-project override. */
export function defaultLimits(config: Config): QuotaLimits {
  return Object.fromEntries(
    QUOTA_RESOURCES.map((resource) => [resource, config.quota[resource]]),
  ) as QuotaLimits;
}

/** A project's limits: its own overrides over the defaults. */
export async function projectLimits(
  db: EntityManager,
  config: Config,
  projectId: string,
): Promise<QuotaLimits> {
  const overrides: { resource: QuotaResource; hard_limit: number }[] = await db.query(
    'SELECT resource, hard_limit FROM quotas WHERE project_id = $1',
    [projectId],
  );
  const limits = defaultLimits(config);
  for (const { resource, hard_limit } of overrides) {
    if (resource in limits) limits[resource] = hard_limit;
  }
  return limits;
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
