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
 * Reports that changed nothing: each host's service is seen alive again (as recordService would,
 * counting only a report later than the last one seen, so that a batch run again counts once) and
 * its compute node touched, all in one statement. Returns the hosts touched; a host left out
 * has no such service and node (deleted by an admin, or the zone changed), or its service is
 * forced down (an admin fenced the host, and may evacuate it at once): the caller records its
 * report in full.
 */
export async function touchHosts(dataSource: DataSource, reports: HostReport[]): Promise<Set<string>> {
  if (reports.length === 0) return new Set();
  const rows: { host: string }[] = await dataSource.query(
    `WITH report AS (
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::text[])
                  AS r(host, reported_at, zone, hypervisor_hostname)),
     service AS (
       UPDATE services s SET report_count = s.report_count + CASE WHEN s.last_seen_up IS NULL
                OR LEAST(report.reported_at, now()) > s.last_seen_up THEN 1 ELSE 0 END,
              last_seen_up = GREATEST(s.last_seen_up, LEAST(report.reported_at, now())), updated_at = now()
         FROM report
        WHERE s.host = report.host AND s."binary" = 'nova-compute' AND s.zone = report.zone
          AND NOT s.forced_down
          AND EXISTS (SELECT 1 FROM compute_nodes n WHERE n.service_id = s.id AND n.host = report.host
                         AND n.hypervisor_hostname = report.hypervisor_hostname)
        RETURNING s.id, s.host),
     node AS (
       UPDATE compute_nodes n SET updated_at = now()
         FROM service JOIN report ON report.host = service.host
        WHERE n.service_id = service.id AND n.host = service.host
          AND n.hypervisor_hostname = report.hypervisor_hostname
        RETURNING n.host)
     SELECT host FROM node`,
    [
      reports.map((report) => report.host),
      reports.map((report) => report.reportedAt),
      reports.map((report) => report.availabilityZone),
      reports.map((report) => report.node.hypervisorHostname),
    ],
  );
  return new Set(rows.map((row) => row.host));
}
