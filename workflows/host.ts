import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineSignal,
  defineUpdate,
  log,
  patched,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { HostReport } from '../common/host-report';
import type { createHostReportActivities } from '../activities/conductor/host-reports';
import { hostActivities } from './host-activities';

export const reportSignal = defineSignal<[HostReport]>('report');

/**
 * A host's first report when its compute worker starts: answered with the guests that must not
 * run there (an evacuated server's old copy), which the host destroys before it takes work.
 */
export const startupReportUpdate = defineUpdate<string[], [HostReport]>('startupReport');

export interface HostWorkflowInput {
  host: string;
  /** Continue-as-new past this many history events, well before Temporal's own suggestion. */
  maxHistoryEvents?: number;
}

const DEFAULT_MAX_HISTORY_EVENTS = 2000;

/**
 * Stale guests are destroyed beside the reports, not between them: a destroy that waits (on a
 * busy or slow host) no longer holds back the next report, which would let the host be seen down.
 */
export const DESTROY_BESIDE_REPORTS = 'destroy-stale-guests-beside-reports';

// Bounded like every conductor step: a report that cannot be recorded is dropped (the next one,
// every report_interval, restates the host) rather than retried for ever.
const { recordHostReport } = proxyLocalActivities<ReturnType<typeof createHostReportActivities>>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumInterval: '10 seconds', maximumAttempts: 10 },
});

/**
 * One long-lived workflow per compute host (id `host-<name>`), started and fed by the host's own
 * signal-with-start every report_interval. Reports that arrive while one is being recorded are
 * coalesced: only the newest matters.
 */
export async function hostWorkflow(input: HostWorkflowInput, pending?: HostReport): Promise<void> {
  const { host, maxHistoryEvents = DEFAULT_MAX_HISTORY_EVENTS } = input;
  let latest = pending;
  setHandler(reportSignal, (report) => {
    if (report.host === host) latest = report;
  });
  setHandler(startupReportUpdate, async (report) => (await recordHostReport(report)).staleGuests, {
    validator: (report) => {
      if (report.host !== host) throw new Error(`a report of ${report.host} is not for host ${host}`);
    },
  });

  const historyIsLong = () =>
    workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > maxHistoryEvents;
  /** Stale guests whose destroy is under way: one destroy per guest at a time. */
  const destroying = new Set<string>();
  const destroyStale = (instanceUuid: string) =>
    hostActivities(host)
      .destroy(instanceUuid)
      .catch((error) =>
        log.warn('could not destroy a stale guest', { host, instanceUuid, error: String(error) }),
      );

  while (!historyIsLong()) {
    await condition(() => latest !== undefined);
    const report = latest!;
    latest = undefined;
    let staleGuests: string[];
    try {
      ({ staleGuests } = await recordHostReport(report));
    } catch (error) {
      log.error('could not record a host report; waiting for the next', { host, error: String(error) });
      continue;
    }
    for (const instanceUuid of staleGuests) {
      // Deleted while this host was unreachable (Nova's local delete), or rolled back while its
      // spawn still ran here: the guest goes now.
      if (!patched(DESTROY_BESIDE_REPORTS)) {
        await destroyStale(instanceUuid);
      } else if (!destroying.has(instanceUuid)) {
        destroying.add(instanceUuid);
        void destroyStale(instanceUuid).finally(() => destroying.delete(instanceUuid));
      }
    }
  }
  await condition(() => destroying.size === 0 && allHandlersFinished());
  await continueAsNew<typeof hostWorkflow>(input, latest);
}
