import { randomUUID } from 'node:crypto';
import { type EntityManager } from 'typeorm';

export interface ServiceReport {
  host: string;
  binary: 'nova-compute' | 'nova-conductor' | 'nova-scheduler';
  topic: string;
  zone: string;
  /** When the service was last seen alive; never later than the database's now(). */
  seenAt: Date;
}

/**
 * Creates or refreshes a service row and returns its id. One statement, safe to repeat: a report
 * counts once, when it is later than the last one seen.
 */
export async function recordService(db: EntityManager, report: ServiceReport): Promise<string> {
  const rows: { id: string }[] = await db.query(
    `INSERT INTO services (id, host, "binary", topic, zone, report_count, last_seen_up)
     VALUES ($1, $2, $3, $4, $5, 1, LEAST($6::timestamptz, now()))
     ON CONFLICT (host, "binary") DO UPDATE SET
       report_count = services.report_count + CASE WHEN services.last_seen_up IS NULL
         OR EXCLUDED.last_seen_up > services.last_seen_up THEN 1 ELSE 0 END,
       zone = EXCLUDED.zone,
       last_seen_up = GREATEST(services.last_seen_up, EXCLUDED.last_seen_up),
       updated_at = now()
     RETURNING id`,
    [randomUUID(), report.host, report.binary, report.topic, report.zone, report.seenAt.toISOString()],
  );
  return rows[0].id;
}
