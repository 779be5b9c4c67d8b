import { type Client } from '@temporalio/client';
import { type Config } from '../../common/config';
import { type HostReport } from '../../common/host-report';
import { type Logger } from '../../common/logger';
import { CONDUCTOR_TASK_QUEUE, hostReportsWorkflowId, SEARCH_ATTRIBUTES } from '../../common/task-queues';
import { hostReportsWorkflow, reportsSignal } from '../../workflows/host-reports';
import { buildHostReport } from './host-reporter';
import { type VirtDriver } from './virt/driver';

/**
 * The most report JSON one signal carries: Temporal warns past 512 KiB a payload and refuses
 * past 2 MiB, and every signal stays in the workflow's history until it continues as new.
 */
const MAX_SIGNAL_BYTES = 256 * 1024;

/** Reports in order, cut into runs of at most `maxBytes` of JSON (a larger report goes alone). */
export function inSignals(reports: HostReport[], maxBytes = MAX_SIGNAL_BYTES): HostReport[][] {
  const signals: HostReport[][] = [];
  let current: HostReport[] = [];
  let bytes = 0;
  for (const report of reports) {
    const size = Buffer.byteLength(JSON.stringify(report));
    if (current.length > 0 && bytes + size > maxBytes) {
      signals.push(current);
      current = [];
      bytes = 0;
    }
    current.push(report);
    bytes += size;
  }
  if (current.length > 0) signals.push(current);
  return signals;
}

/**
 * Every report_interval, the reports of all this process's hosts that have started, by
 * signal-with-start of `host-reports-<first host>`: one signal for hundreds of fake hosts instead
 * of one each. The first interval starts at a random point, so that the processes of a cloud,
 * started together, spread their reports over it.
 */
export class ProcessReporter {
  private readonly hosts = new Map<string, VirtDriver>();
  private timer: NodeJS.Timeout | undefined;
  /** The reports on their way, if any. */
  private inFlight: Promise<void> | undefined;

  constructor(
    private readonly reporter: string,
    private readonly client: Client,
    private readonly config: Config,
    private readonly logger: Logger,
  ) {}

  /** A host whose start-up report is done: it goes in the next interval's reports. */
  add(host: string, driver: VirtDriver): void {
    this.hosts.set(host, driver);
  }

  async reportNow(): Promise<void> {
    const reports = await Promise.all(
      [...this.hosts].map(([host, driver]) => buildHostReport(host, driver, this.config)),
    );
    for (const signal of inSignals(reports)) {
      await this.client.workflow.signalWithStart(hostReportsWorkflow, {
        workflowId: hostReportsWorkflowId(this.reporter),
        taskQueue: CONDUCTOR_TASK_QUEUE,
        args: [{ reporter: this.reporter }],
        signal: reportsSignal,
        signalArgs: [signal],
        typedSearchAttributes: [{ key: SEARCH_ATTRIBUTES.Operation, value: 'host-reports' }],
        memo: { description: `inventory reports of the compute process of ${this.reporter}` },
      });
    }
  }

  start(): void {
    const intervalMs = this.config.DEFAULT.report_interval * 1000;
    const tick = () => {
      // Reports still on their way when the next are due: the next interval restates the hosts.
      if (this.hosts.size === 0 || this.inFlight) return;
      this.inFlight = this.reportNow()
        .catch((error: Error) =>
          this.logger.warn(
            { reporter: this.reporter, err: error.message },
            'host reports failed; retrying next interval',
          ),
        )
        .finally(() => (this.inFlight = undefined));
    };
    this.timer = setTimeout(() => {
      tick();
      this.timer = setInterval(tick, intervalMs);
    }, Math.random() * intervalMs);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    clearInterval(this.timer);
    await this.inFlight;
  }
}
