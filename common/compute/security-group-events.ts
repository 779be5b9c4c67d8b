import { type EntityManager } from 'typeorm';
import { queueServerEvents } from './server-events';
import { type WorkflowLaunch } from './workflow-outbox';

/** Whose filters a change of security groups reaches. */
export interface FirewallChange {
  /** Ports whose groups, port security or addresses changed. */
  portIds?: string[];
  /** Groups whose rules changed: their member ports. */
  ruleGroupIds?: string[];
  /** Groups whose membership changed: the ports of groups with a rule naming one as remote group. */
  memberGroupIds?: string[];
  /** An instance the caller tells itself (it queued its own event first, with its port locked). */
  exceptInstance?: string;
}

/**
 * A network-changed event queued for every server whose ports' filters a security group change
 * alters, in the caller's transaction (as Neutron's agents refresh the ports concerned): the host
 * reads the ports' rules again at delivery. Returns the launches to start after commit.
 */
export async function queueFirewallSync(
  db: EntityManager,
  change: FirewallChange,
): Promise<WorkflowLaunch[]> {
  const rows: { uuid: string; project_id: string; host: string | null; port_id: string }[] = await db.query(
    `SELECT i.uuid, i.project_id, i.host, p.id AS port_id
       FROM ports p JOIN instances i ON i.uuid = p.instance_uuid
      WHERE i.deleted_at IS NULL AND i.uuid IS DISTINCT FROM $4 AND (
            p.id = ANY($1)
         OR p.id IN (SELECT b.port_id FROM security_group_port_bindings b
                      WHERE b.security_group_id = ANY($2)
                         OR b.security_group_id IN (SELECT r.security_group_id FROM security_group_rules r
                                                     WHERE r.remote_group_id = ANY($3))))
      ORDER BY i.uuid, p.id`,
    [
      change.portIds ?? [],
      change.ruleGroupIds ?? [],
      change.memberGroupIds ?? [],
      change.exceptInstance ?? null,
    ],
  );
  const byInstance = new Map<
    string,
    { instance: { uuid: string; projectId: string; host: string | null }; ports: string[] }
  >();
  for (const row of rows) {
    const entry = byInstance.get(row.uuid) ?? {
      instance: { uuid: row.uuid, projectId: row.project_id, host: row.host },
      ports: [],
    };
    entry.ports.push(row.port_id);
    byInstance.set(row.uuid, entry);
  }
  const launches: WorkflowLaunch[] = [];
  for (const { instance, ports } of byInstance.values()) {
    const events = ports.map((tag) => ({
      name: 'network-changed' as const,
      tag,
      status: 'completed' as const,
    }));
    launches.push(await queueServerEvents(db, instance, events));
  }
  return launches;
}
