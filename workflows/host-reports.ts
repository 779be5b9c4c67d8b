import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineSignal,
  log,
  patched,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Duration } from '@temporalio/common';
import type { HostReport } from '../common/host-report';
import type { createHostReportActivities } from '../activities/conductor/host-reports';
import { hostActivities } from './host-activities';

/** The periodic reports of some or all of one compute process's hosts. */
export const reportsSignal = defineSignal<[HostReport[]]>('reports');

export interface HostReportsInput {
  /** The compute process that reports here, named by its first host. */
  reporter: string;
  /** Continue-as-new past this many history events, well before Temporal's own suggestion. */
  maxHistoryEvents?: number;
  /**
   * Continue-as-new past this many bytes of history: each signal holds the reports of a whole
   * process (about 130 KB for 250 hosts), so it is size, not events, that grows a history first.
   */
  maxHistoryBytes?: number;
  /** Ends after this long without a report: the process is gone, or reports elsewhere now. */
  idleTimeout?: Duration;
}

const DEFAULT_MAX_HISTORY_EVENTS = 2000;
const DEFAULT_MAX_HISTORY_BYTES = 1_000_000;
const DEFAULT_IDLE_TIMEOUT: Duration = '1 hour';
/** How long a run about to continue as new waits for its destroys, recording no report meanwhile. */
const DESTROYS_WAIT: Duration = '10 seconds';

// Bounded like every conductor step: reports that cannot be recorded are dropped (the next ones,
// every report_interval, restate the hosts) rather than retried for ever.
const { recordHostReports } = proxyLocalActivities<ReturnType<typeof createHostReportActivities>>({
  startToCloseTimeout: '60 seconds',
  retry: { maximumInterval: '10 seconds', maximumAttempts: 10 },
});

/**
 * One long-lived workflow per compute process (id `host-reports-<first host>`), fed by the
 * process's signal-with-start every report_interval with the reports of all its hosts: a
 * thousand fake hosts in four processes cost four signals, workflow tasks and local activities an
 * interval, not a thousand. Reports that arrive while others are being recorded are coalesced per
 * host (only the newest matters). The guests the conductor finds stale are destroyed on their
 * hosts beside the reports, as the host workflow does. Each host's own `host-<name>` workflow
 * still answers its start-up report.
 */
export async function hostReportsWorkflow(
  input: HostReportsInput,
  pending: HostReport[] = [],
): Promise<void> {
  const {
    maxHistoryEvents = DEFAULT_MAX_HISTORY_EVENTS,
    maxHistoryBytes = DEFAULT_MAX_HISTORY_BYTES,
    idleTimeout = DEFAULT_IDLE_TIMEOUT,
  } = input;
  // Runs before this patch continued as new by event count only, and only once every destroy
  // under way had ended, recording no report meanwhile: a destroy waiting on a host that is
  // away held up the reports of every other host of the process.
  const shortRuns = patched('host-reports-short-runs');
  const latest = new Map(pending.map((report) => [report.host, report]));
  setHandler(reportsSignal, (reports) => {
    for (const report of reports) latest.set(report.host, report);
  });

  // Each run records at least once: its input alone (the reports it was handed) may be large.
  let recordedOnce = false;
  const historyIsLong = () =>
    workflowInfo().continueAsNewSuggested ||
    workflowInfo().historyLength > maxHistoryEvents ||
    (shortRuns && recordedOnce && workflowInfo().historySize > maxHistoryBytes);
  /** Stale guests whose destroy is under way (`<host> <uuid>`): one destroy per guest at a time. */
  const destroying = new Set<string>();
  const destroyStale = (host: string, instanceUuid: string) => {
    const key = `${host} ${instanceUuid}`;
    if (destroying.has(key)) return;
    destroying.add(key);
    void hostActivities(host)
      .destroy(instanceUuid)
      .catch((error) =>
        log.warn('could not destroy a stale guest', { host, instanceUuid, error: String(error) }),
      )
      .finally(() => destroying.delete(key));
  };

  while (!historyIsLong()) {
    if (!(await condition(() => latest.size > 0, idleTimeout))) {
      await condition(() => destroying.size === 0 && allHandlersFinished());
      if (latest.size === 0) return;
      continue;
    }
    const reports = [...latest.values()];
    latest.clear();
    let staleGuests: Record<string, string[]>;
    try {
      ({ staleGuests } = await recordHostReports(reports));
      recordedOnce = true;
    } catch (error) {
      log.error('could not record host reports; waiting for the next', {
        reporter: input.reporter,
        error: String(error),
      });
      continue;
    }
    for (const [host, guests] of Object.entries(staleGuests)) {
      for (const instanceUuid of guests) destroyStale(host, instanceUuid);
    }
  }
  if (shortRuns) {
    // The destroys under way get a moment to end (one just scheduled would not even start if the
    // run closed now); one still running after it is left (its result unread): if it does not
    // end, the host's next report finds the guest stale again, and the next run destroys it.
    await condition(() => destroying.size === 0 && allHandlersFinished(), DESTROYS_WAIT);
  } else {
    await condition(() => destroying.size === 0 && allHandlersFinished());
  }
  await continueAsNew<typeof hostReportsWorkflow>(input, [...latest.values()]);
}
