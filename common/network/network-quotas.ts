import { type EntityManager } from 'typeorm';
import { overQuota } from './neutron-errors';

/** Neutron's quota resources and their defaults (neutron.conf [quotas]); -1 is unlimited. */
export const NETWORK_QUOTA_DEFAULTS = {
  network: 100,
  subnet: 100,
  port: 500,
  router: 10,
  floatingip: 50,
  security_group: 10,
  security_group_rule: 100,
} as const;

export type NetworkQuotaResource = keyof typeof NETWORK_QUOTA_DEFAULTS;
export const NETWORK_QUOTA_RESOURCES = Object.keys(NETWORK_QUOTA_DEFAULTS) as NetworkQuotaResource[];
export type NetworkQuotaLimits = Record<NetworkQuotaResource, number>;

/** The tables usage is counted in; routers and floating IPs are not served, so never used. */
const USAGE_TABLES: Partial<Record<NetworkQuotaResource, string>> = {
  network: 'networks',
  subnet: 'subnets',
  port: 'ports',
  security_group: 'security_groups',
  security_group_rule: 'security_group_rules',
};

/** A project's limits: its own rows (network_quotas) over Neutron's defaults. */
export async function networkQuotaLimits(db: EntityManager, projectId: string): Promise<NetworkQuotaLimits> {
  const rows: { resource: string; hard_limit: number }[] = await db.query(
    'SELECT resource, hard_limit FROM network_quotas WHERE project_id = $1',
    [projectId],
  );
  const limits: NetworkQuotaLimits = { ...NETWORK_QUOTA_DEFAULTS };
  for (const row of rows) {
    if (row.resource in limits) limits[row.resource as NetworkQuotaResource] = row.hard_limit;
  }
  return limits;
}

/** How many of `resource` the project has now, counted from the rows (Neutron's counting driver). */
export async function networkQuotaUsage(
  db: EntityManager,
  projectId: string,
  resource: NetworkQuotaResource,
): Promise<number> {
  const table = USAGE_TABLES[resource];
  if (!table) return 0;
  const [row]: { count: number }[] = await db.query(
    `SELECT count(*)::int AS count FROM ${table} WHERE project_id = $1`,
    [projectId],
  );
  return row.count;
}

/**
 * Serializes the project's network quota checks to the end of the caller's transaction, so that
 * two creates at the last slot cannot both pass (Neutron's DB driver locks the same way).
 * Re-entrant: a transaction holding it may take it again.
 */
export async function lockNetworkQuota(db: EntityManager, projectId: string): Promise<void> {
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('network-quota:' || $1))`, [projectId]);
}

/**
 * Neutron's make_reservation: under the project's lock, refuses with OverQuota (409) when `deltas`
 * more would take a resource past its limit; -1 is unlimited. The caller inserts in the same
 * transaction, so the lock covers the count and the new rows.
 */
export async function checkNetworkQuota(
  db: EntityManager,
  projectId: string,
  deltas: Partial<Record<NetworkQuotaResource, number>>,
): Promise<void> {
  await lockNetworkQuota(db, projectId);
  const limits = await networkQuotaLimits(db, projectId);
  const overs: string[] = [];
  for (const [resource, delta] of Object.entries(deltas) as [NetworkQuotaResource, number][]) {
    const limit = limits[resource];
    if (limit < 0) continue;
    if ((await networkQuotaUsage(db, projectId, resource)) + delta > limit) overs.push(resource);
  }
  if (overs.length > 0) throw overQuota(overs);
}
