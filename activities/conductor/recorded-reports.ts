import { type DataSource } from 'typeorm';
import { type HostReport } from '../../common/host-report';

/**
 * What this conductor process last recorded in full of each host, so that a report saying the
 * same again costs one statement instead of a transaction of ten. A report is recorded in full
 * again once `refreshMs` has passed (the checks against the database's side, such as a guest whose
 * instance went, run at least that often) and after any restart of the conductor (memory only).
 */
export class RecordedReports {
  private readonly last = new Map<string, { content: string; at: number }>();

  constructor(
    private readonly refreshMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `report` says what the host's last full record said, recently enough to skip it. */
  isUnchanged(report: HostReport): boolean {
    const seen = this.last.get(report.host);
    return seen !== undefined && seen.content === content(report) && this.now() - seen.at < this.refreshMs;
  }

  remember(report: HostReport): void {
    this.last.set(report.host, { content: content(report), at: this.now() });
  }

  forget(host: string): void {
    this.last.delete(host);
  }
}

/** A report without its time: two reports that say the same have the same content. */
function content(report: HostReport): string {
  const { reportedAt: _, ...rest } = report;
  return JSON.stringify(rest);
}

/**
 * A report that changed nothing: the host's service is seen alive again (as recordService would)
 * and its compute node touched, in one statement. False when there is no such service and node
 * (deleted by an admin, or the zone changed), or the service is forced down (an admin fenced the
 * host, and may evacuate it at once): then the caller records the report in full.
 */
export async function touchHost(dataSource: DataSource, report: HostReport): Promise<boolean> {
  const rows: { touched: number }[] = await dataSource.query(
    `WITH service AS (
       UPDATE services s SET report_count = s.report_count + 1,
              last_seen_up = GREATEST(s.last_seen_up, LEAST($2::timestamptz, now())), updated_at = now()
        WHERE s.host = $1 AND s."binary" = 'nova-compute' AND s.zone = $3 AND NOT s.forced_down
          AND EXISTS (SELECT 1 FROM compute_nodes n WHERE n.service_id = s.id AND n.host = $1
                         AND n.hypervisor_hostname = $4)
        RETURNING s.id),
     node AS (
       UPDATE compute_nodes n SET updated_at = now() FROM service
        WHERE n.service_id = service.id AND n.host = $1 AND n.hypervisor_hostname = $4
        RETURNING n.id)
     SELECT count(*)::int AS touched FROM node`,
    [report.host, report.reportedAt, report.availabilityZone, report.node.hypervisorHostname],
  );
  return rows[0].touched > 0;
}
