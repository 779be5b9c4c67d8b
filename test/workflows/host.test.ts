import type { HostReport } from '../../common/host-report';
import { CONDUCTOR_TASK_QUEUE, hostWorkflowId } from '../../common/task-queues';
import type { hostWorkflow } from '../../workflows/host';
import { healthyHost } from './support/boot-fleet';
import { recordHistory, Testbed } from './support/testbed';
import { until } from './support/until';
import { fakeReport as report } from '../support/fake-node';

let testbed: Testbed;
beforeAll(async () => {
  testbed = await Testbed.create();
});
afterAll(() => testbed?.teardown());

describe('host workflow', () => {
  it('records each report, destroys the guests of instances deleted meanwhile, and continues as new', async () => {
    const conductor = {
      recordHostReport: async ({ guests }: HostReport) => ({ staleGuests: Object.keys(guests) }),
    };
    await testbed.run({ conductor, hosts: { 'compute-a': healthyHost() } }, async (journal) => {
      const workflowId = `${hostWorkflowId('compute-a')}-${Date.now()}`;
      const reports = [report('compute-a', { 'stale-guest': 1 }), report('compute-a'), report('compute-a')];
      // As the compute host does every report_interval: signal-with-start. A history limit this
      // short makes the run continue as new after its second report.
      const handle = await testbed.client.workflow.signalWithStart<typeof hostWorkflow, [HostReport]>(
        'hostWorkflow',
        {
          taskQueue: CONDUCTOR_TASK_QUEUE,
          workflowId,
          args: [{ host: 'compute-a', maxHistoryEvents: 10 }],
          signal: 'report',
          signalArgs: [reports[0]],
        },
      );
      const firstRun = testbed.client.workflow.getHandle(workflowId, handle.signaledRunId);
      await journal.started('compute-a.destroy');
      // One report at a time: reports that arrive together are coalesced to the newest.
      await handle.signal<[HostReport]>('report', reports[1]);
      await until(async () => journal.inputsOf('conductor.recordHostReport').length === 2);
      await until(async () => (await firstRun.describe()).status.name !== 'RUNNING');
      expect((await firstRun.describe()).status.name).toBe('CONTINUED_AS_NEW');
      // The next run takes the reports from there.
      await handle.signal<[HostReport]>('report', reports[2]);
      await until(async () => journal.inputsOf('conductor.recordHostReport').length === 3);

      expect(journal.inputsOf('conductor.recordHostReport')).toEqual(reports);
      expect(journal.inputsOf('compute-a.destroy')).toEqual(['stale-guest']);
      await recordHistory('host', firstRun);
      await handle.terminate('test over');
    });
  });

  it('records the next reports while a stale guest is still being destroyed, and destroys it once', async () => {
    let releaseDestroy!: () => void;
    const destroyed = new Promise<void>((resolve) => (releaseDestroy = resolve));
    const conductor = {
      recordHostReport: async ({ guests }: HostReport) => ({ staleGuests: Object.keys(guests) }),
    };
    const host = healthyHost({ destroy: () => destroyed });
    await testbed.run({ conductor, hosts: { 'compute-a': host } }, async (journal) => {
      const workflowId = `${hostWorkflowId('compute-a')}-${Date.now()}`;
      const reports = [
        report('compute-a', { 'stale-guest': 1 }),
        report('compute-a', { 'stale-guest': 1 }),
        report('compute-a'),
      ];
      const handle = await testbed.client.workflow.signalWithStart<typeof hostWorkflow, [HostReport]>(
        'hostWorkflow',
        {
          taskQueue: CONDUCTOR_TASK_QUEUE,
          workflowId,
          args: [{ host: 'compute-a' }],
          signal: 'report',
          signalArgs: [reports[0]],
        },
      );
      await journal.started('compute-a.destroy');
      // The destroy hangs; the host's next reports are recorded all the same.
      try {
        for (const [index, next] of reports.slice(1).entries()) {
          await handle.signal<[HostReport]>('report', next);
          await until(
            async () => journal.inputsOf('conductor.recordHostReport').length === index + 2,
            `report ${index + 2} recorded`,
            5_000,
          );
        }
      } finally {
        releaseDestroy();
      }
      expect(journal.inputsOf('conductor.recordHostReport')).toEqual(reports);
      // Reported stale twice while its destroy ran: destroyed once.
      expect(journal.inputsOf('compute-a.destroy')).toEqual(['stale-guest']);
      await recordHistory('host-destroy-beside-reports', handle);
      await handle.terminate('test over');
    });
  });
});
