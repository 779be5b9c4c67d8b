import { randomUUID } from 'node:crypto';
import { type DataSource } from 'typeorm';
import { createConductorActivities } from '../../activities/conductor';
import { networkService } from '../../activities/conductor/networking';
import { type StepInput } from '../../activities/conductor/operations/step-ledger';
import { OPERATIONS } from '../../common/compute/instance-states';
import { parseConfig } from '../../common/config';
import { type HostReport } from '../../common/host-report';
import { createLogger } from '../../common/logger';
import { createDataSource } from '../../entities/data-source';
import { TestStack } from '../support/stack';
import { FAKE_CAPABILITIES, fakeNode } from '../support/fake-node';

/**
 * Temporal may run a local activity again after it committed (the conductor died before the
 * workflow task was recorded, or the first try outlived its timeout). Every conductor step, run
 * twice in a row with the same input, must return the same and leave the database exactly as
 * one run left it.
 */
describe('conductor steps run twice change nothing more than once', () => {
  let stack: TestStack;
  let dataSource: DataSource;
  let steps: ReturnType<typeof createConductorActivities>;
  let networkId: string;

  /** Every table a step may touch, in a stable order, timestamps included. */
  const snapshot = async () => {
    const tables = [
      'instances ORDER BY uuid',
      'allocations ORDER BY consumer_id, compute_node_id',
      'compute_nodes ORDER BY id',
      'services ORDER BY id',
      'ports ORDER BY id',
      'ip_allocations ORDER BY ip_address',
      'instance_actions ORDER BY id',
      'instance_action_events ORDER BY id',
      'instance_faults ORDER BY id',
      'server_group_members ORDER BY instance_uuid',
      'task_steps ORDER BY task_id, step',
    ];
    const rows: Record<string, unknown[]> = {};
    for (const table of tables) rows[table] = await stack.query(`SELECT * FROM ${table}`);
    return rows;
  };

  /** Runs a step twice; checks the second run returned the same and changed nothing. */
  async function twice<I, O>(step: (input: I) => Promise<O>, input: I): Promise<O> {
    const first = await step(input);
    const afterFirst = await snapshot();
    const second = await step(input);
    expect(second).toEqual(first);
    expect(await snapshot()).toEqual(afterFirst);
    return first;
  }

  const report = (host: string): HostReport => ({
    host,
    reportedAt: new Date().toISOString(),
    availabilityZone: 'nova',
    guests: {},
    node: fakeNode(host),
    capabilities: FAKE_CAPABILITIES,
  });

  /** An instance as POST /servers leaves it: BUILD/scheduling, claimed by a boot task. */
  async function bootingInstance(): Promise<StepInput> {
    const uuid = randomUUID();
    const requestId = `req-${randomUUID()}`;
    const taskId = `create-${uuid}-${requestId}`;
    const flavor = {
      flavorid: '1',
      name: 'm1.tiny',
      vcpus: 1,
      memoryMb: 512,
      rootGb: 1,
      ephemeralGb: 0,
      swap: 0,
      extraSpecs: {},
    };
    await stack.query(
      `INSERT INTO instances (uuid, display_name, hostname, project_id, user_id, flavor, vcpus, memory_mb,
         root_gb, ephemeral_gb, image_ref, vm_state, task_state, task_id, reservation_id, request_spec)
       VALUES ($1, 'twice', 'twice', 'p1', 'u1', $2, 1, 512, 1, 0, 'image-1', 'building', 'scheduling', $3,
         'r-1', $4)`,
      [
        uuid,
        JSON.stringify(flavor),
        taskId,
        JSON.stringify({ image: { id: 'image-1', properties: {} }, networks: [{ networkId }] }),
      ],
    );
    await stack.query(
      `INSERT INTO instance_actions (instance_uuid, request_id, action, project_id, user_id, start_time, workflow_id)
       VALUES ($1, $2, 'create', 'p1', 'u1', now(), $3)`,
      [uuid, requestId, taskId],
    );
    return { instanceUuid: uuid, requestId, taskId, operation: 'create', step: '' };
  }

  /** Hands the instance to another operation, as the API's claim does. */
  async function claimFor(
    boot: StepInput,
    operation: StepInput['operation'],
    taskState: string,
  ): Promise<StepInput> {
    const requestId = `req-${randomUUID()}`;
    const taskId = `${operation}-${boot.instanceUuid}-${requestId}`;
    await stack.query('UPDATE instances SET task_state = $2, task_id = $3 WHERE uuid = $1', [
      boot.instanceUuid,
      taskState,
      taskId,
    ]);
    await stack.query(
      `INSERT INTO instance_actions (instance_uuid, request_id, action, project_id, user_id, start_time, workflow_id)
       VALUES ($1, $2, $3, 'p1', 'u1', now(), $4)`,
      [boot.instanceUuid, requestId, OPERATIONS[operation].action, taskId],
    );
    return { instanceUuid: boot.instanceUuid, requestId, taskId, operation, step: '' };
  }

  const at = (input: StepInput, step: string): StepInput => ({ ...input, step });

  beforeAll(async () => {
    stack = await TestStack.start({ api: false, conductor: false });
    dataSource = await createDataSource(stack.databaseUrl, { poolSize: 4 }).initialize();
    const { config } = parseConfig('');
    steps = createConductorActivities({
      dataSource,
      config,
      logger: createLogger('test'),
      networking: networkService('nova'),
      temporal: stack.temporal(),
    });
    [{ id: networkId }] = await stack.query<{ id: string }>(`SELECT id FROM networks WHERE name = 'private'`);
    for (const host of ['h1', 'h2']) await steps.recordHostReport(report(host));
  });

  /** The hosts' inventories and services as an operator reads them, the touch times left out. */
  const inventory = () =>
    stack.query(
      `SELECT n.*, NULL AS updated_at, s.zone, s.report_count, s.last_seen_up
         FROM compute_nodes n JOIN services s ON s.id = n.service_id ORDER BY n.id`,
    );

  it('records a host report again without moving the inventory, its generation or its count', async () => {
    // A report restates the host's present: a second recording of the same report changes nothing.
    const again = report('h1');
    await steps.recordHostReport(again);
    const before = await inventory();
    expect(await steps.recordHostReport(again)).toEqual({ staleGuests: [] });
    expect(await steps.recordHostReports([again])).toEqual({ staleGuests: {} });
    expect(await inventory()).toEqual(before);
  });

  it('records a batch of reports in full again, in a restarted conductor, counting each report once', async () => {
    // A conductor that restarted remembers no report, so it records the batch it runs again in full.
    const counts = async () =>
      (
        await stack.query<{ report_count: number }>(
          `SELECT report_count FROM services WHERE host IN ('h1', 'h2') ORDER BY host`,
        )
      ).map((row) => row.report_count);
    const [h1, h2] = await counts();
    const batch = [report('h1'), report('h2')];
    await steps.recordHostReports(batch);
    expect(await counts()).toEqual([h1 + 1, h2 + 1]);
    const before = await inventory();
    const restarted = createConductorActivities({
      dataSource,
      config: parseConfig('').config,
      logger: createLogger('test'),
      networking: networkService('nova'),
      temporal: stack.temporal(),
    });
    expect(await restarted.recordHostReports(batch)).toEqual({ staleGuests: {} });
    expect(await inventory()).toEqual(before);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await stack?.stop();
  });

  it('boots: schedule, prepare the build (ports, placement, spawning), finish', async () => {
    const boot = await bootingInstance();
    const { destinations } = await twice(steps.scheduleInstance, at(boot, '1:scheduleInstance'));
    expect(destinations.length).toBeGreaterThan(0);
    const spec = await twice(steps.prepareBuild, {
      ...at(boot, '2:prepareBuild'),
      destination: destinations[0],
    });
    expect(spec.interfaces).toHaveLength(1);
    const [placed] = await stack.query('SELECT host, task_state FROM instances WHERE uuid = $1', [
      boot.instanceUuid,
    ]);
    expect(placed).toEqual({ host: destinations[0].host, task_state: 'spawning' });
    await twice(steps.finishBuild, {
      ...at(boot, '3:finishBuild'),
      powerState: 1,
      rootDeviceName: '/dev/sda',
    });
    const [row] = await stack.query('SELECT vm_state, task_id FROM instances WHERE uuid = $1', [
      boot.instanceUuid,
    ]);
    expect(row).toEqual({ vm_state: 'active', task_id: null });

    const stop = await claimFor(boot, 'stop', 'powering-off');
    await twice(steps.beginOperation, at(stop, '1:beginOperation'));
    await twice(steps.completeOperation, { ...at(stop, '2:completeOperation'), powerState: 4 });

    const remove = await claimFor(boot, 'delete', 'deleting');
    expect(await twice(steps.beginOperation, at(remove, '1:beginOperation'))).toMatchObject({
      host: destinations[0].host,
    });
    await twice(steps.completeDelete, { ...at(remove, '2:completeDelete'), hostUnreachable: false });
    expect(
      await stack.query('SELECT * FROM allocations WHERE consumer_id = $1', [boot.instanceUuid]),
    ).toEqual([]);
    expect(await stack.query('SELECT * FROM ports WHERE device_id = $1', [boot.instanceUuid])).toEqual([]);
  });

  it('boots begun before the build was prepared in one step: network, place, spawn state', async () => {
    const boot = await bootingInstance();
    const { destinations } = await twice(steps.scheduleInstance, at(boot, '1:scheduleInstance'));
    const interfaces = await twice(steps.allocateNetwork, at(boot, '2:allocateNetwork'));
    expect(interfaces).toHaveLength(1);
    const spec = await twice(steps.prepareOnHost, {
      ...at(boot, '3:prepareOnHost'),
      destination: destinations[0],
      interfaces,
    });
    expect(spec.interfaces).toEqual(interfaces);
    await twice(steps.setTaskState, { ...at(boot, '4:setTaskState'), taskState: 'spawning' });
    await twice(steps.finishBuild, {
      ...at(boot, '5:finishBuild'),
      powerState: 1,
      rootDeviceName: '/dev/sda',
    });
    const [row] = await stack.query('SELECT vm_state, task_id FROM instances WHERE uuid = $1', [
      boot.instanceUuid,
    ]);
    expect(row).toEqual({ vm_state: 'active', task_id: null });
  });

  it('reschedules and fails: alternate claims, abandoned hosts, the fault, the release', async () => {
    const boot = await bootingInstance();
    const { destinations } = await twice(steps.scheduleInstance, at(boot, '1:scheduleInstance'));
    const [first, second] = [
      destinations[0],
      { ...destinations[0], host: destinations[0].host === 'h1' ? 'h2' : 'h1' },
    ];
    const [{ id: secondNode }] = await stack.query<{ id: number }>(
      'SELECT id FROM compute_nodes WHERE host = $1',
      [second.host],
    );
    second.computeNodeId = secondNode;
    second.node = second.host;
    await twice(steps.prepareBuild, { ...at(boot, '2:prepareBuild'), destination: first });
    await twice(steps.abandonHost, {
      ...at(boot, '4:abandonHost'),
      destination: first,
      error: 'spawn failed',
    });
    expect(await twice(steps.claimAlternate, { ...at(boot, '5:claimAlternate'), destination: second })).toBe(
      true,
    );
    await twice(steps.abandonHost, {
      ...at(boot, '6:abandonHost'),
      destination: second,
      error: 'spawn failed',
    });
    await twice(steps.releaseBuildResources, at(boot, '7:releaseBuildResources'));
    await twice(steps.failOperation, {
      ...at(boot, '8:failOperation'),
      fault: { code: 500, message: 'Exceeded maximum number of retries.' },
    });
    const [row] = await stack.query(
      'SELECT vm_state, task_state, task_id, host FROM instances WHERE uuid = $1',
      [boot.instanceUuid],
    );
    expect(row).toEqual({ vm_state: 'error', task_state: null, task_id: null, host: null });
    expect(
      await stack.query('SELECT * FROM allocations WHERE consumer_id = $1', [boot.instanceUuid]),
    ).toEqual([]);
    expect(await stack.query('SELECT * FROM ports WHERE device_id = $1', [boot.instanceUuid])).toEqual([]);
  });

  it('soft-deletes and reclaims: the reclaim claim is taken once', async () => {
    const boot = await bootingInstance();
    const { destinations } = await steps.scheduleInstance(at(boot, '1:scheduleInstance'));
    await steps.prepareBuild({ ...at(boot, '2:prepareBuild'), destination: destinations[0] });
    await steps.finishBuild({ ...at(boot, '3:finishBuild'), powerState: 1, rootDeviceName: '/dev/sda' });
    const soft = await claimFor(boot, 'soft_delete', 'soft-deleting');
    await twice(steps.beginOperation, at(soft, '1:beginOperation'));
    await twice(steps.completeOperation, { ...at(soft, '2:completeOperation'), powerState: 4 });
    const reclaim = {
      instanceUuid: boot.instanceUuid,
      taskId: `delete-${boot.instanceUuid}-reclaim-${soft.requestId}`,
      requestId: `reclaim-${soft.requestId}`,
      softDeleteRequestId: soft.requestId,
    };
    // The reclaim of an earlier soft delete (since restored) must not take this one's place.
    const stale = { ...reclaim, taskId: `${reclaim.taskId}-old`, softDeleteRequestId: 'req-earlier' };
    expect(await steps.claimForReclaim(stale)).toBe(false);
    expect(await twice(steps.claimForReclaim, reclaim)).toBe(true);
    const [row] = await stack.query('SELECT vm_state, task_state, task_id FROM instances WHERE uuid = $1', [
      boot.instanceUuid,
    ]);
    expect(row).toEqual({ vm_state: 'soft-delete', task_state: 'deleting', task_id: reclaim.taskId });
  });
});
