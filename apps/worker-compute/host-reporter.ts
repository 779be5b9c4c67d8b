import { type Client, WithStartWorkflowOperation } from '@temporalio/client';
import { type Config } from '../../common/config';
import { type HostReport } from '../../common/host-report';
import { type Logger } from '../../common/logger';
import { CONDUCTOR_TASK_QUEUE, hostWorkflowId, SEARCH_ATTRIBUTES } from '../../common/task-queues';
import { sleep } from '../../common/sleep';
import { hostWorkflow, startupReportUpdate } from '../../workflows/host';
import { type VirtDriver } from './virt/driver';

/** Builds the report of one host from its driver and the allocation settings of this host's config. */
export async function buildHostReport(host: string, driver: VirtDriver, config: Config): Promise<HostReport> {
  const [resources, guests] = await Promise.all([driver.getAvailableResource(), driver.listGuests()]);
  const defaults = config.DEFAULT;
  return {
    host,
    reportedAt: new Date().toISOString(),
    availabilityZone: defaults.default_availability_zone,
    node: {
      ...resources,
      runningVms: guests.size,
      cpuAllocationRatio: defaults.cpu_allocation_ratio,
      ramAllocationRatio: defaults.ram_allocation_ratio,
      diskAllocationRatio: defaults.disk_allocation_ratio,
      reservedHostMemoryMb: defaults.reserved_host_memory_mb,
      reservedHostDiskMb: defaults.reserved_host_disk_mb,
      reservedHostCpus: defaults.reserved_host_cpus,
    },
    capabilities: {
      supportsEvacuate: driver.capabilities.supportsEvacuate,
      supportsMigrateToSameHost: driver.capabilities.supportsMigrateToSameHost,
      supportsLiveMigration: driver.capabilities.supportsLiveMigration,
    },
    guests: Object.fromEntries(guests),
  };
}

/**
 * A host's start-up report, by update-with-start of its `host-<name>` workflow (the first report
 * creates the workflow, and a conductor restart loses nothing); the periodic reports go with the
 * process's other hosts' (process-reporter.ts).
 */
export class HostReporter {
  constructor(
    private readonly host: string,
    private readonly driver: VirtDriver,
    private readonly client: Client,
    private readonly config: Config,
    private readonly logger: Logger,
  ) {}

  private get hostWorkflowOptions() {
    return {
      workflowId: hostWorkflowId(this.host),
      taskQueue: CONDUCTOR_TASK_QUEUE,
      args: [{ host: this.host }] as [{ host: string }],
      typedSearchAttributes: [
        { key: SEARCH_ATTRIBUTES.ComputeHost, value: this.host },
        { key: SEARCH_ATTRIBUTES.Operation, value: 'host' },
      ],
      memo: { description: `start-up reports of compute host ${this.host}` },
    };
  }

  /**
   * Before the host takes work: reports, and destroys the guests the conductor says must not run
   * here (a server evacuated while this host was down), so a guest never runs on two hosts.
   * Waits for the conductor as long as it takes.
   */
  async cleanUpAtStartup(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const report = await buildHostReport(this.host, this.driver, this.config);
        const stale = await this.client.workflow.executeUpdateWithStart(startupReportUpdate, {
          args: [report],
          startWorkflowOperation: new WithStartWorkflowOperation(hostWorkflow, {
            ...this.hostWorkflowOptions,
            workflowIdConflictPolicy: 'USE_EXISTING',
          }),
        });
        for (const instanceUuid of stale) await this.driver.destroy(instanceUuid);
        if (stale.length > 0)
          this.logger.warn({ host: this.host, destroyed: stale }, 'destroyed stale guests');
        return;
      } catch (error) {
        this.logger.warn(
          { host: this.host, attempt, err: (error as Error).message },
          'startup report not answered; trying again',
        );
        await sleep(Math.min(10_000, 500 * attempt));
      }
    }
  }
}
