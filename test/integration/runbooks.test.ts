import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolveTemporalCli } from '../../scripts/temporal-cli';
import { ADMIN, ApiClient, DEMO } from '../support/api-client';
import { setService } from '../support/moves';
import { bootDefaults, computeServices, createServer, LATEST, waitForServer } from '../support/servers';
import { TestStack, waitFor } from '../support/stack';

const run = promisify(execFile);

/**
 * Runbooks on the whole pipeline: ten servers on rb-1 drained to rb-2 and rb-3, steered by the
 * API's actions and by `temporal workflow signal` as an operator at a shell would; a drain of rb-4
 * (whose live migrations take 2 s) with the conductor killed mid-way; rb-5 maintained; rb-6
 * evacuated. Each test's source host is enabled only for its own test, so servers moved by one
 * test land on rb-2 and rb-3 only, never on another test's source.
 */
/** The hosts the tests drain, maintain and evacuate; rb-2 and rb-3 take what they move. */
const SOURCES = ['rb-1', 'rb-4', 'rb-5', 'rb-6'];

describe('runbooks', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let imageId: string;

  beforeAll(async () => {
    stack = await TestStack.start({
      computeHosts: ['rb-1', 'rb-2', 'rb-3', 'rb-4', 'rb-5', 'rb-6'],
      config:
        // A service is down after 30 s without a report, not the tests' usual 20: a killed
        // conductor records no reports until it is back, and its moves must still find hosts up.
        '[DEFAULT]\nservice_down_time = 30\n[quota]\ninstances = -1\ncores = -1\nram = -1\n' +
        '[fake_driver]\nslow_methods = rb-4:liveMigrate:2\n',
    });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    await computeServices(admin, 6);
    for (const host of SOURCES) await setService(admin, host, { status: 'disabled' });
    ({ imageId } = await bootDefaults(admin));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  let cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups) await cleanup();
    cleanups = [];
  });

  /**
   * `count` ACTIVE servers on the source `host`, booted by one request; the host is enabled for
   * the test (as it was before its drain) and disabled again after it.
   */
  const bootMany = async (host: string, count: number, name: string): Promise<string[]> => {
    await setService(admin, host, { status: 'enabled' });
    cleanups.push(() => setService(admin, host, { status: 'disabled', forced_down: false }));
    const created = await createServer(admin, {
      name,
      imageRef: imageId,
      availability_zone: `nova:${host}`,
      min_count: count,
      max_count: count,
      return_reservation_id: true,
    });
    expect(created.status).toBe(202);
    const listed = await admin.get(
      `/compute/v2.1/servers?reservation_id=${created.body.reservation_id}`,
      LATEST,
    );
    const ids: string[] = listed.body.servers.map((server: any) => server.id);
    expect(ids).toHaveLength(count);
    for (const id of ids) expect((await waitForServer(admin, id)).status).toBe('ACTIVE');
    return ids;
  };

  const hostsOf = async (ids: string[]) => {
    const rows = await stack.query<{ uuid: string; host: string }>(
      'SELECT uuid, host FROM instances WHERE uuid = ANY($1::uuid[])',
      [ids],
    );
    return Object.fromEntries(rows.map((row) => [row.uuid, row.host]));
  };

  const startRunbook = async (body: Record<string, unknown>) => {
    const res = await admin.post('/compute/v2.1/os-runbooks', body);
    expect(res.status).toBe(202);
    return res.body.runbook.id as string;
  };

  const show = async (id: string) => (await admin.get(`/compute/v2.1/os-runbooks/${id}`)).body.runbook;

  /** Waits until the runbook's progress passes `check`, and returns the runbook. */
  const untilRunbook = async (id: string, check: (runbook: any) => boolean, what: string) => {
    let runbook: any;
    await waitFor(async () => check((runbook = await show(id))), 60_000, `runbook ${id}: ${what}`);
    return runbook;
  };

  const act = (id: string, body: unknown) => admin.post(`/compute/v2.1/os-runbooks/${id}/action`, body);

  /** As an operator at a shell: `temporal workflow signal` with the runbook's id. */
  const cliSignal = (id: string, name: string, input?: object) =>
    run(
      resolveTemporalCli(() => {}),
      [
        'workflow',
        'signal',
        '--address',
        process.env.TEMPORAL_ADDRESS!,
        '--namespace',
        stack.namespace,
        '--workflow-id',
        id,
        '--name',
        name,
        ...(input ? ['--input', JSON.stringify(input)] : []),
      ],
    );

  const serviceOf = async (host: string) =>
    (await admin.get(`/compute/v2.1/os-services?host=${host}&binary=nova-compute`, LATEST)).body.services[0];

  it('drains a host batch by batch: pause and resume, approve from the API and the CLI, abort from the CLI', async () => {
    const ids = await bootMany('rb-1', 10, 'drained');
    const id = await startRunbook({
      runbook: 'drain-host',
      host: 'rb-1',
      concurrency: 4,
      approve_batches: true,
    });
    let runbook = await untilRunbook(
      id,
      (r) => r.progress?.state === 'awaiting-approval',
      'awaiting approval',
    );
    expect(runbook).toMatchObject({
      runbook: 'drain-host',
      host: 'rb-1',
      status: 'running',
      workflow_id: id,
    });
    expect(runbook.progress.batches).toEqual({ done: 0, total: 3 });
    expect(runbook.progress.instances.map((entry: any) => entry.uuid).sort()).toEqual([...ids].sort());
    expect(await serviceOf('rb-1')).toMatchObject({
      status: 'disabled',
      disabled_reason: `drain-host runbook ${id}`,
    });
    // A second runbook on the host is refused while this one runs.
    const twice = await admin.post('/compute/v2.1/os-runbooks', { runbook: 'drain-host', host: 'rb-1' });
    expect(twice.status).toBe(409);

    // Paused, an approval does not let the batch go until resumed.
    expect((await act(id, { pause: null })).status).toBe(202);
    expect((await act(id, { approve: null })).status).toBe(202);
    await untilRunbook(id, (r) => r.progress.state === 'paused', 'paused');
    expect(Object.values(await hostsOf(ids)).filter((host) => host === 'rb-1')).toHaveLength(10);
    expect((await act(id, { resume: null })).status).toBe(202);
    runbook = await untilRunbook(
      id,
      (r) => r.progress.state === 'awaiting-approval' && r.progress.batches.done === 1,
      'the first batch moved',
    );
    expect(Object.values(await hostsOf(ids)).filter((host) => host === 'rb-1')).toHaveLength(6);

    await cliSignal(id, 'approve');
    await untilRunbook(
      id,
      (r) => r.progress.state === 'awaiting-approval' && r.progress.batches.done === 2,
      'the second batch moved',
    );
    await cliSignal(id, 'abort', { enable_host: true });
    runbook = await untilRunbook(id, (r) => r.status !== 'running', 'ended');

    expect(runbook.status).toBe('aborted');
    const statuses = runbook.progress.instances.map((entry: any) => entry.status);
    expect(statuses.filter((status: string) => status === 'moved')).toHaveLength(8);
    expect(statuses.filter((status: string) => status === 'skipped')).toHaveLength(2);
    const hosts = await hostsOf(ids);
    for (const entry of runbook.progress.instances)
      expect(hosts[entry.uuid]).toBe(entry.status === 'moved' ? entry.destination : 'rb-1');
    expect(await serviceOf('rb-1')).toMatchObject({ status: 'enabled', disabled_reason: null });
    // An ended runbook takes no more signals.
    expect((await act(id, { approve: null })).status).toBe(409);

    // The audit trail: each move is a live migration by the admin, its action naming the runbook.
    const moved = runbook.progress.instances.find((entry: any) => entry.status === 'moved');
    const action = await admin.get(
      `/compute/v2.1/servers/${moved.uuid}/os-instance-actions/${moved.request_id}`,
      LATEST,
    );
    expect(action.body.instanceAction).toMatchObject({
      action: 'live-migration',
      user_id: runbook.user_id,
      message: null,
    });
    expect(action.body.instanceAction.events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ event: 'runbook_drain_host', details: `runbook ${id}`, result: 'Success' }),
        expect.objectContaining({ event: 'compute_live_migration', result: 'Success' }),
      ]),
    );
    const migrations = await admin.get(`/compute/v2.1/os-migrations?instance_uuid=${moved.uuid}`, LATEST);
    expect(migrations.body.migrations).toEqual([
      expect.objectContaining({
        migration_type: 'live-migration',
        status: 'completed',
        user_id: runbook.user_id,
      }),
    ]);
  });

  it('finishes a drain once when the conductor is killed mid-way', async () => {
    const ids = await bootMany('rb-4', 4, 'survivor');
    const id = await startRunbook({ runbook: 'drain-host', host: 'rb-4', concurrency: 2 });
    await untilRunbook(
      id,
      (r) => r.progress?.instances.some((entry: any) => entry.status === 'moving'),
      'moving',
    );
    await stack.restart('conductor', { kill: true });
    const runbook = await untilRunbook(id, (r) => r.status !== 'running', 'ended');

    expect(runbook.status).toBe('completed');
    // With the reason beside each status: a move that failed says why.
    expect(runbook.progress.instances.map((entry: any) => [entry.status, entry.reason])).toEqual(
      ids.map(() => ['moved', undefined]),
    );
    expect(Object.values(await hostsOf(ids)).some((host) => host === 'rb-4')).toBe(false);
    // Each server moved once: one migration each, completed, and no task left behind.
    const rows = await stack.query<{ instance_uuid: string; status: string }>(
      `SELECT instance_uuid, status FROM instance_migrations WHERE instance_uuid = ANY($1::uuid[])`,
      [ids],
    );
    expect(rows.map((row) => row.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    const busy = await stack.query(
      'SELECT uuid FROM instances WHERE uuid = ANY($1::uuid[]) AND (task_state IS NOT NULL OR task_id IS NOT NULL)',
      [ids],
    );
    expect(busy).toEqual([]);
  });

  it('maintains a host: drains it, waits for the operator, enables it and moves the servers back', async () => {
    const ids = await bootMany('rb-5', 2, 'maintained');
    const id = await startRunbook({ runbook: 'host-maintenance', host: 'rb-5', move_back: true });
    await untilRunbook(id, (r) => r.progress?.state === 'in-maintenance', 'in maintenance');
    expect(Object.values(await hostsOf(ids)).some((host) => host === 'rb-5')).toBe(false);
    expect((await serviceOf('rb-5')).status).toBe('disabled');
    expect((await act(id, { approve: null })).status).toBe(202);
    const runbook = await untilRunbook(id, (r) => r.status !== 'running', 'ended');

    expect(runbook.status).toBe('completed');
    expect(runbook.progress.returned.map((entry: any) => entry.status)).toEqual(['moved', 'moved']);
    expect(Object.values(await hostsOf(ids))).toEqual(['rb-5', 'rb-5']);
    expect((await serviceOf('rb-5')).status).toBe('enabled');
  });

  it('evacuates a host only once it is down or forced down, and lists each server', async () => {
    const ids = await bootMany('rb-6', 3, 'evacuated');
    const refused = await startRunbook({ runbook: 'evacuate-host', host: 'rb-6' });
    const failed = await untilRunbook(refused, (r) => r.status !== 'running', 'ended');
    expect(failed.status).toBe('failed');
    expect(failed.progress.message).toBe(
      'Compute service of rb-6 is still in use: force_down forces it down.',
    );

    const id = await startRunbook({
      runbook: 'evacuate-host',
      host: 'rb-6',
      force_down: true,
      concurrency: 3,
    });
    const runbook = await untilRunbook(id, (r) => r.status !== 'running', 'ended');
    expect(runbook.status).toBe('completed');
    expect(runbook.progress.instances.map((entry: any) => entry.status)).toEqual(['moved', 'moved', 'moved']);
    expect((await serviceOf('rb-6')).forced_down).toBe(true);
    const hosts = await hostsOf(ids);
    for (const entry of runbook.progress.instances) {
      expect(hosts[entry.uuid]).toBe(entry.destination);
      expect(['rb-2', 'rb-3']).toContain(entry.destination);
    }
  });

  it('answers bad runbook requests with the error body and status a client expects', async () => {
    const demo = await ApiClient.login(stack.apiUrl, DEMO);
    expect(
      (await demo.post('/compute/v2.1/os-runbooks', { runbook: 'drain-host', host: 'rb-1' })).status,
    ).toBe(403);
    const unknown = await admin.post('/compute/v2.1/os-runbooks', { runbook: 'drain-host', host: 'nowhere' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({
      itemNotFound: { code: 404, message: 'Compute host nowhere could not be found.' },
    });
    for (const body of [
      { runbook: 'reboot-the-world', host: 'rb-1' },
      { runbook: 'drain-host', host: 'rb-1', concurrency: 0 },
      { runbook: 'drain-host' },
    ])
      expect((await admin.post('/compute/v2.1/os-runbooks', body)).status).toBe(400);
    expect((await admin.get('/compute/v2.1/os-runbooks/drain-host-rb-1-00000000')).status).toBe(404);
    const listed = await admin.get('/compute/v2.1/os-runbooks?host=rb-1');
    expect(listed.status).toBe(200);
    const [latest] = listed.body.runbooks;
    expect((await act(latest.id, { explode: null })).status).toBe(400);
  });
});
