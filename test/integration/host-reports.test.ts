import { type HostReport } from '../../common/host-report';
import { CONDUCTOR_TASK_QUEUE, hostReportsWorkflowId, hostWorkflowId } from '../../common/task-queues';
import { hostWorkflow, reportSignal } from '../../workflows/host';
import { sleep } from '../../scripts/net';
import { TestStack, waitFor } from '../support/stack';
import { FAKE_CAPABILITIES, fakeNode } from '../support/fake-node';

/**
 * Issue #2's thin operation across every process: compute workers (no database) report through
 * their host workflows (start-up) and their process's host-reports workflow (every interval), the
 * conductor records services and compute nodes, the API's /healthz reads them.
 */
describe('compute hosts report through their host workflows', () => {
  let stack: TestStack;
  const computeState = async () => (await stack.health()).body.checks.compute;

  beforeAll(async () => {
    stack = await TestStack.start({
      computeHosts: ['compute-a', 'compute-b'],
      config: '[fake_driver]\nvcpus = 16\nmemory_mb = 32768\nlocal_gb = 500\n',
    });
    await stack.waitHealthy();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('records both hosts as up nova-compute services with their inventories', async () => {
    await waitFor(async () => (await computeState()).up?.length === 2, 30_000, 'both hosts up');
    expect(await computeState()).toEqual({ status: 'up', up: ['compute-a', 'compute-b'], down: [] });

    const services = await stack.query(
      `SELECT host, "binary", topic, zone FROM services WHERE "binary" = 'nova-compute' ORDER BY host`,
    );
    expect(services).toEqual([
      { host: 'compute-a', binary: 'nova-compute', topic: 'compute', zone: 'nova' },
      { host: 'compute-b', binary: 'nova-compute', topic: 'compute', zone: 'nova' },
    ]);
    const nodes = await stack.query(
      `SELECT host, hypervisor_hostname, hypervisor_type, vcpus, memory_mb, local_gb, vcpus_used,
              cpu_allocation_ratio, ram_allocation_ratio, disk_allocation_ratio
         FROM compute_nodes ORDER BY host`,
    );
    const inventory = {
      hypervisor_type: 'fake',
      vcpus: 16,
      memory_mb: 32768,
      local_gb: 500,
      vcpus_used: 0,
      cpu_allocation_ratio: 16,
      ram_allocation_ratio: 1.5,
      disk_allocation_ratio: 1,
    };
    expect(nodes).toEqual([
      { host: 'compute-a', hypervisor_hostname: 'compute-a', ...inventory },
      { host: 'compute-b', hypervisor_hostname: 'compute-b', ...inventory },
    ]);
  });

  it('runs one host-<name> workflow per host, findable by its ComputeHost search attribute', async () => {
    const client = stack.temporal();
    const description = await client.workflow.getHandle(hostWorkflowId('compute-a')).describe();
    expect(description.status.name).toBe('RUNNING');
    expect(description.taskQueue).toBe(CONDUCTOR_TASK_QUEUE);
    const found: string[] = [];
    for await (const workflow of client.workflow.list({ query: `ComputeHost = 'compute-b'` })) {
      found.push(workflow.workflowId);
    }
    expect(found).toEqual([hostWorkflowId('compute-b')]);
  });

  it('reports a stopped host down after service_down_time, and up again once it is back', async () => {
    await stack.process('compute-b').stop();
    await waitFor(
      async () => (await computeState()).down?.includes('compute-b') ?? false,
      30_000,
      'compute-b down',
    );
    expect(await computeState()).toEqual({ status: 'up', up: ['compute-a'], down: ['compute-b'] });
    const lastSeen = async () =>
      (
        await stack.query<{ last_seen_up: Date }>(
          `SELECT last_seen_up FROM services WHERE host = 'compute-b'`,
        )
      )[0].last_seen_up;
    const whenDown = await lastSeen();
    await sleep(2000);
    expect(await lastSeen()).toEqual(whenDown);

    stack.startCompute('compute-b');
    await waitFor(
      async () => (await computeState()).up?.includes('compute-b') ?? false,
      30_000,
      'compute-b up',
    );
    expect((await lastSeen()).getTime()).toBeGreaterThan(whenDown.getTime());
  });

  it('answers 503 naming the missing part when no compute host reports', async () => {
    await stack.process('compute-a').stop();
    await stack.process('compute-b').stop();
    await waitFor(async () => (await stack.health()).status === 503, 30_000, 'health 503');
    const { body } = await stack.health();
    expect(body.status).toBe('unavailable');
    expect(body.checks.compute).toEqual({ status: 'down', up: [], down: ['compute-a', 'compute-b'] });
    expect(body.checks.database.status).toBe('up');
    expect(body.checks.temporal.status).toBe('up');
    expect(body.checks.conductor.status).toBe('up');
  });

  it('continues as new before its history grows large, and keeps the newest report', async () => {
    const client = stack.temporal();
    const host = 'compute-many-reports';
    const report = (vcpus: number): HostReport => ({
      host,
      reportedAt: new Date().toISOString(),
      availabilityZone: 'nova',
      guests: {},
      capabilities: FAKE_CAPABILITIES,
      node: fakeNode(host, { vcpus, memoryMb: 1024, localGb: 10, reservedHostMemoryMb: 0 }),
    });
    for (let vcpus = 1; vcpus <= 30; vcpus++) {
      await client.workflow.signalWithStart(hostWorkflow, {
        workflowId: hostWorkflowId(host),
        taskQueue: CONDUCTOR_TASK_QUEUE,
        args: [{ host, maxHistoryEvents: 20 }],
        signal: reportSignal,
        signalArgs: [report(vcpus)],
      });
      await sleep(30);
    }
    const recordedVcpus = async () =>
      (await stack.query<{ vcpus: number }>('SELECT vcpus FROM compute_nodes WHERE host = $1', [host]))[0]
        ?.vcpus;
    await waitFor(async () => (await recordedVcpus()) === 30, 30_000, 'the newest report recorded');

    // The visibility listing follows the runs a moment later (on the real server, through its queue).
    let runs: string[] = [];
    await waitFor(
      async () => {
        runs = [];
        for await (const run of client.workflow.list({ query: `WorkflowId = '${hostWorkflowId(host)}'` })) {
          runs.push(run.status.name);
        }
        return (
          runs.includes('CONTINUED_AS_NEW') && runs.filter((status) => status === 'RUNNING').length === 1
        );
      },
      30_000,
      'the visibility listing to show the continued runs and one running',
    );
    expect(runs.filter((status) => status === 'CONTINUED_AS_NEW').length).toBeGreaterThan(0);
    expect(runs.filter((status) => status === 'RUNNING')).toEqual(['RUNNING']);
  });

  it('sends the periodic reports of all the hosts of one compute process in one workflow', async () => {
    const hosts = ['compute-pair-1', 'compute-pair-2'];
    stack.startComputeProcess('compute-pair', hosts);
    const reportCounts = async () =>
      (
        await stack.query<{ report_count: number }>(
          `SELECT report_count FROM services WHERE host = ANY($1) ORDER BY host`,
          [hosts],
        )
      ).map((row) => row.report_count);
    // Past the start-up report, each host's periodic reports are recorded.
    await waitFor(
      async () => {
        const counts = await reportCounts();
        return counts.length === 2 && counts.every((count) => count >= 3);
      },
      30_000,
      'both hosts reported periodically',
    );
    // One workflow for the process, named by its first host; none for the second.
    const client = stack.temporal();
    const process = await client.workflow.getHandle(hostReportsWorkflowId('compute-pair-1')).describe();
    expect(process.status.name).toBe('RUNNING');
    expect(process.type).toBe('hostReportsWorkflow');
    await expect(
      client.workflow.getHandle(hostReportsWorkflowId('compute-pair-2')).describe(),
    ).rejects.toThrow(/not found/i);
    await stack.process('compute-pair').stop();
  });
});
