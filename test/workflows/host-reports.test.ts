import type { HostReport } from '../../common/host-report';
import { CONDUCTOR_TASK_QUEUE, hostReportsWorkflowId } from '../../common/task-queues';
import type { hostReportsWorkflow } from '../../workflows/host-reports';
import { healthyHost } from './support/boot-fleet';
import { recordHistory, Testbed } from './support/testbed';
import { until } from './support/until';
import { fakeReport as report } from '../support/fake-node';

let testbed: Testbed;
beforeAll(async () => {
  testbed = await Testbed.create();
});
afterAll(() => testbed?.teardown());

/** The conductor's side: every guest reported is stale. */
const everyGuestStale = {
  recordHostReports: async (reports: HostReport[]) => ({
    staleGuests: Object.fromEntries(reports.map(({ host, guests }) => [host, Object.keys(guests)])),
  }),
};

const signalWithStart = (
  workflowId: string,
  input: Parameters<typeof hostReportsWorkflow>[0],
  reports: HostReport[],
) =>
  testbed.client.workflow.signalWithStart<typeof hostReportsWorkflow, [HostReport[]]>('hostReportsWorkflow', {
    taskQueue: CONDUCTOR_TASK_QUEUE,
    workflowId,
    args: [input],
    signal: 'reports',
    signalArgs: [reports],
  });

describe('host reports workflow', () => {
  it("records a process's reports in one step per signal and continues as new", async () => {
    const hosts = { 'compute-a': healthyHost(), 'compute-b': healthyHost() };
    await testbed.run({ conductor: everyGuestStale, hosts }, async (journal) => {
      const workflowId = `${hostReportsWorkflowId('compute-a')}-${Date.now()}`;
      const batches = [
        [report('compute-a', { 'stale-a': 1 }), report('compute-b')],
        [report('compute-a'), report('compute-b')],
        [report('compute-b')],
      ];
      // A history limit this short makes the run continue as new after its first batches.
      const handle = await signalWithStart(
        workflowId,
        { reporter: 'compute-a', maxHistoryEvents: 10 },
        batches[0],
      );
      const firstRun = testbed.client.workflow.getHandle(workflowId, handle.signaledRunId);
      await journal.started('compute-a.destroy');
      await handle.signal<[HostReport[]]>('reports', batches[1]);
      await until(async () => journal.inputsOf('conductor.recordHostReports').length === 2);
      await until(async () => (await firstRun.describe()).status.name !== 'RUNNING');
      expect((await firstRun.describe()).status.name).toBe('CONTINUED_AS_NEW');
      // The next run takes the reports from there.
      await handle.signal<[HostReport[]]>('reports', batches[2]);
      await until(async () => journal.inputsOf('conductor.recordHostReports').length === 3);

      expect(journal.inputsOf('conductor.recordHostReports')).toEqual(batches);
      expect(journal.inputsOf('compute-a.destroy')).toEqual(['stale-a']);
      await recordHistory('host-reports', firstRun);
      await handle.terminate('test over');
    });
  });

  it('records the next reports while a stale guest is still being destroyed, on its own host, once', async () => {
    let releaseDestroy!: () => void;
    const destroyed = new Promise<void>((resolve) => (releaseDestroy = resolve));
    const hosts = { 'compute-a': healthyHost({ destroy: () => destroyed }), 'compute-b': healthyHost() };
    await testbed.run({ conductor: everyGuestStale, hosts }, async (journal) => {
      const workflowId = `${hostReportsWorkflowId('compute-a')}-${Date.now()}`;
      const batches = [
        [report('compute-a', { 'stale-a': 1 }), report('compute-b', { 'stale-b': 1 })],
        [report('compute-a', { 'stale-a': 1 }), report('compute-b')],
        [report('compute-a'), report('compute-b')],
      ];
      const handle = await signalWithStart(workflowId, { reporter: 'compute-a' }, batches[0]);
      await journal.started('compute-a.destroy');
      // The destroy on compute-a hangs; the process's next reports are recorded all the same.
      try {
        for (const [index, batch] of batches.slice(1).entries()) {
          await handle.signal<[HostReport[]]>('reports', batch);
          await until(
            async () => journal.inputsOf('conductor.recordHostReports').length === index + 2,
            `batch ${index + 2} recorded`,
            5_000,
          );
        }
      } finally {
        releaseDestroy();
      }
      expect(journal.inputsOf('conductor.recordHostReports')).toEqual(batches);
      // Reported stale twice while its destroy ran: destroyed once, and each on its own host.
      expect(journal.inputsOf('compute-a.destroy')).toEqual(['stale-a']);
      expect(journal.inputsOf('compute-b.destroy')).toEqual(['stale-b']);
      await handle.terminate('test over');
    });
  });

  it('continues as new past its history size, waiting at most 10 s for a destroy still under way', async () => {
    let releaseDestroy!: () => void;
    const destroyed = new Promise<void>((resolve) => (releaseDestroy = resolve));
    const hosts = { 'compute-a': healthyHost({ destroy: () => destroyed }), 'compute-b': healthyHost() };
    await testbed.run({ conductor: everyGuestStale, hosts }, async (journal) => {
      const workflowId = `${hostReportsWorkflowId('compute-a')}-${Date.now()}`;
      const batches = [[report('compute-a', { 'stale-a': 1 }), report('compute-b')], [report('compute-b')]];
      // Any history is over this size: the run continues as new after its first batch.
      const handle = await signalWithStart(
        workflowId,
        { reporter: 'compute-a', maxHistoryBytes: 1 },
        batches[0],
      );
      const firstRun = testbed.client.workflow.getHandle(workflowId, handle.signaledRunId);
      try {
        await journal.started('compute-a.destroy');
        // The run waits 10 s for its destroys before it continues as new.
        await testbed.env.sleep('11 seconds');
        await until(
          async () => (await firstRun.describe()).status.name !== 'RUNNING',
          'the first run to end',
          30_000,
        );
        expect((await firstRun.describe()).status.name).toBe('CONTINUED_AS_NEW');
        await handle.signal<[HostReport[]]>('reports', batches[1]);
        await until(
          async () => journal.inputsOf('conductor.recordHostReports').length === 2,
          'the next run to record the next batch',
          5_000,
        );
      } finally {
        releaseDestroy();
      }
      expect(journal.inputsOf('conductor.recordHostReports')).toEqual(batches);
      expect(journal.inputsOf('compute-a.destroy')).toEqual(['stale-a']);
      await handle.terminate('test over');
    });
  });

  it('coalesces the reports that arrive while others are recorded to the newest of each host', async () => {
    let releaseRecord!: () => void;
    const recording = new Promise<void>((resolve) => (releaseRecord = resolve));
    const conductor = {
      recordHostReports: async (reports: HostReport[]) => {
        if (reports.some((one) => one.host === 'compute-a' && one.guests.first)) await recording;
        return { staleGuests: {} };
      },
    };
    await testbed.run({ conductor }, async (journal) => {
      const workflowId = `${hostReportsWorkflowId('compute-a')}-${Date.now()}`;
      const first = [report('compute-a', { first: 1 })];
      const handle = await signalWithStart(workflowId, { reporter: 'compute-a' }, first);
      await journal.started('conductor.recordHostReports');
      const older = report('compute-a');
      const newer = report('compute-a');
      const other = report('compute-b');
      await handle.signal<[HostReport[]]>('reports', [older]);
      await handle.signal<[HostReport[]]>('reports', [newer, other]);
      releaseRecord();
      await until(async () => journal.inputsOf('conductor.recordHostReports').length === 2);
      expect(journal.inputsOf('conductor.recordHostReports')).toEqual([first, [newer, other]]);
      await handle.terminate('test over');
    });
  });

  it('ends once no report came for its idle timeout, and a later report starts it again', async () => {
    await testbed.run({ conductor: everyGuestStale }, async (journal) => {
      const workflowId = `${hostReportsWorkflowId('compute-a')}-${Date.now()}`;
      const input = { reporter: 'compute-a', idleTimeout: '1 second' };
      const handle = await signalWithStart(workflowId, input, [report('compute-a')]);
      const firstRun = testbed.client.workflow.getHandle(workflowId, handle.signaledRunId);
      await until(async () => (await firstRun.describe()).status.name !== 'RUNNING');
      expect((await firstRun.describe()).status.name).toBe('COMPLETED');

      const again = await signalWithStart(workflowId, input, [report('compute-a')]);
      expect(again.signaledRunId).not.toBe(handle.signaledRunId);
      await until(async () => journal.inputsOf('conductor.recordHostReports').length === 2);
      await again.terminate('test over');
    });
  });
});
