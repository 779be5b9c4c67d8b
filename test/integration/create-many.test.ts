import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { ADMIN, ApiClient } from '../support/api-client';
import { computeServices, LATEST } from '../support/servers';
import { TestStack, waitFor } from '../support/stack';

/** Servers one POST creates here: enough to be many, few enough for two cores. */
const COUNT = 200;
/** The fault point at which the API has answered a create and has started none of its boots. */
const RELAY_POINT = 'api.relayLaunches.before';
const HOSTS = ['cm1', 'cm2'];

interface Harness {
  stack: TestStack;
  admin: ApiClient;
  imageId: string;
  pauseDir: string;
}

/** A stack whose API can be held right after it answers a create (NOVAFLOW_PAUSE_DIR). */
async function startHarness(config: string): Promise<Harness> {
  const pauseDir = join(
    process.env.NOVAFLOW_TEST_SCRATCH ?? '/tmp',
    `create-many-${process.pid}-${Date.now()}`,
  );
  mkdirSync(pauseDir, { recursive: true });
  const stack = await TestStack.start({
    computeHosts: HOSTS,
    env: { NOVAFLOW_PAUSE_DIR: pauseDir },
    // Hosts count as down only after 60 s: two hundred boots at once on two cores can delay a report.
    config: `[DEFAULT]\nservice_down_time = 60\n${config}`,
  });
  await stack.waitHealthy();
  const admin = await ApiClient.login(stack.apiUrl, ADMIN);
  await computeServices(admin, HOSTS.length);
  const images = await admin.get('/image/v2/images?name=cirros');
  return { stack, admin, imageId: images.body.images[0].id, pauseDir };
}

/** POSTs one create of COUNT servers with the relay held; returns its reservation once the relay waits. */
async function createManyHeld({ admin, imageId, pauseDir }: Harness, name: string): Promise<string> {
  writeFileSync(join(pauseDir, `${RELAY_POINT}.armed`), '');
  const res = await admin.post(
    '/compute/v2.1/servers',
    {
      server: {
        name,
        imageRef: imageId,
        flavorRef: '1',
        networks: 'none',
        min_count: COUNT,
        max_count: COUNT,
        return_reservation_id: true,
      },
    },
    LATEST,
  );
  expect(res.status).toBe(202);
  expect(Object.keys(res.body)).toEqual(['reservation_id']);
  await waitFor(
    async () => existsSync(join(pauseDir, `${RELAY_POINT}.reached`)),
    30_000,
    'the relay to reach its fault point',
  );
  return res.body.reservation_id;
}

/** The reservation's servers as the API lists them: id, status, task state. */
async function listed(admin: ApiClient, reservationId: string) {
  const res = await admin.get(
    `/compute/v2.1/servers/detail?reservation_id=${reservationId}&limit=1000`,
    LATEST,
  );
  expect(res.status).toBe(200);
  return (res.body.servers as any[]).map((server) => ({
    id: server.id as string,
    status: server.status as string,
    task: server['OS-EXT-STS:task_state'] as string | null,
  }));
}

/** Waits until every server of the reservation has settled (no task, ACTIVE or ERROR), and expects ACTIVE. */
async function expectAllActive(admin: ApiClient, reservationId: string): Promise<void> {
  let servers: Awaited<ReturnType<typeof listed>> = [];
  await waitFor(
    async () => {
      servers = await listed(admin, reservationId);
      return (
        servers.length === COUNT &&
        servers.every((s) => s.task === null && ['ACTIVE', 'ERROR'].includes(s.status))
      );
    },
    420_000,
    `all ${COUNT} servers of ${reservationId} to settle`,
  );
  expect(servers.filter((s) => s.status !== 'ACTIVE')).toEqual([]);
}

/** The create actions of the reservation's servers: their workflow ids and first runs. */
async function createActions(stack: TestStack, reservationId: string) {
  return stack.query<{ instance_uuid: string; workflow_id: string; workflow_run_id: string | null }>(
    `SELECT a.instance_uuid, a.workflow_id, a.workflow_run_id FROM instance_actions a
       JOIN instances i ON i.uuid = a.instance_uuid
      WHERE i.reservation_id = $1 AND a.action = 'create'`,
    [reservationId],
  );
}

/** Every create workflow Temporal ran for the reservation's request, once its listing has them all. */
async function createRuns(stack: TestStack, requestId: string): Promise<string[]> {
  let runs: string[] = [];
  await waitFor(
    async () => {
      runs = [];
      for await (const wf of stack
        .temporal()
        .workflow.list({ query: `RequestId = '${requestId}' AND Operation = 'create'` })) {
        runs.push(`${wf.workflowId} ${wf.status.name}`);
      }
      return runs.length >= COUNT && runs.every((run) => run.endsWith(' COMPLETED'));
    },
    60_000,
    'the visibility listing to show every completed create',
  );
  return runs;
}

/**
 * One POST of many servers answers once their records and their boots' outbox rows are
 * committed (as Nova's API casts to the conductor and answers); the boots start afterwards, and
 * an API killed right after the answer loses none of them: the reconciler starts them all, once.
 */
describe('one create of many servers', () => {
  describe('the answer', () => {
    let harness: Harness;

    beforeAll(async () => {
      // The reconciler waits an hour: only the API's relay can start these boots here.
      harness = await startHarness(
        '[conductor]\nreconcile_interval = 3600\n[quota]\ninstances = -1\ncores = -1\nram = -1\n',
      );
    }, 120_000);

    afterAll(async () => {
      await harness?.stack.stop();
    });

    it('comes before any boot has started; the boots start afterwards and all reach ACTIVE', async () => {
      const { stack, admin } = harness;
      const reservationId = await createManyHeld(harness, 'answered');

      // Answered, and the relay holds: every server is recorded, building, its boot queued, none started.
      const servers = await listed(admin, reservationId);
      expect(servers).toHaveLength(COUNT);
      expect(new Set(servers.map((s) => `${s.status}/${s.task}`))).toEqual(new Set(['BUILD/scheduling']));
      const actions = await createActions(stack, reservationId);
      expect(actions).toHaveLength(COUNT);
      expect(actions.filter((a) => a.workflow_run_id !== null)).toEqual([]);
      const queued = await stack.query<{ workflow_id: string }>('SELECT workflow_id FROM workflow_outbox');
      expect(queued.map((row) => row.workflow_id).sort()).toEqual(actions.map((a) => a.workflow_id).sort());
      const temporal = stack.temporal();
      for (const action of actions.slice(0, 20)) {
        await expect(temporal.workflow.getHandle(action.workflow_id).describe()).rejects.toThrow(
          WorkflowNotFoundError,
        );
      }

      writeFileSync(join(harness.pauseDir, `${RELAY_POINT}.release`), '');
      await expectAllActive(admin, reservationId);
      expect(await stack.query('SELECT workflow_id FROM workflow_outbox')).toEqual([]);
      const started = await createActions(stack, reservationId);
      for (const action of started) {
        const described = await temporal.workflow.getHandle(action.workflow_id).describe();
        expect([described.runId, described.status.name]).toEqual([action.workflow_run_id, 'COMPLETED']);
      }
    }, 600_000);
  });

  describe('an API killed right after the answer', () => {
    let harness: Harness;
    /** The project's quota: room for COUNT servers and 10 more. */
    const ROOM = COUNT + 10;

    beforeAll(async () => {
      harness = await startHarness(
        `[conductor]\nreconcile_interval = 2\n[quota]\ninstances = ${ROOM}\ncores = ${ROOM}\nram = ${ROOM * 512}\n`,
      );
    }, 120_000);

    afterAll(async () => {
      await harness?.stack.stop();
    });

    it('loses no boot: every server ends ACTIVE, by one workflow each, and the quota counts each once', async () => {
      const { stack } = harness;
      const reservationId = await createManyHeld(harness, 'survivors');
      // The API answered and holds its relay before any start: kill it there, as a crash would.
      await stack.restart('api', { kill: true });
      await stack.waitForApi();
      const admin = await ApiClient.login(stack.apiUrl, ADMIN);

      await expectAllActive(admin, reservationId);
      expect(await stack.query('SELECT workflow_id FROM workflow_outbox')).toEqual([]);
      const actions = await createActions(stack, reservationId);
      expect(actions).toHaveLength(COUNT);
      expect(new Set(actions.map((a) => a.instance_uuid)).size).toBe(COUNT);
      expect(actions.filter((a) => a.workflow_run_id === null)).toEqual([]);
      const [{ request_id: requestId }] = await stack.query<{ request_id: string }>(
        'SELECT request_id FROM instance_actions WHERE workflow_id = $1',
        [actions[0].workflow_id],
      );
      const runs = await createRuns(stack, requestId);
      expect(runs.sort()).toEqual(actions.map((a) => `${a.workflow_id} COMPLETED`).sort());

      // One claim per server, and the quota counts exactly these servers: 10 more fit, 11 do not.
      const claims = await stack.query<{ consumer_id: string; claims: number }>(
        `SELECT consumer_id, count(*)::int AS claims FROM allocations GROUP BY consumer_id`,
      );
      expect(claims.map((c) => c.claims)).toEqual(actions.map(() => 1));
      expect(claims.map((c) => c.consumer_id).sort()).toEqual(actions.map((a) => a.instance_uuid).sort());
      const [{ id: projectId }] = await stack.query<{ id: string }>(
        `SELECT id FROM projects WHERE name = 'admin'`,
      );
      const quota = await admin.get(`/compute/v2.1/os-quota-sets/${projectId}/detail`, LATEST);
      expect(quota.body.quota_set.instances).toEqual({ in_use: COUNT, limit: ROOM, reserved: 0 });
      expect(quota.body.quota_set.cores.in_use).toBe(COUNT);
      const over = await admin.post(
        '/compute/v2.1/servers',
        {
          server: {
            name: 'over',
            imageRef: harness.imageId,
            flavorRef: '1',
            networks: 'none',
            min_count: 11,
          },
        },
        LATEST,
      );
      expect(over.status).toBe(403);
      expect(over.body.forbidden.message).toMatch(
        new RegExp(
          `^Quota exceeded for instances.*: Requested 11, but already used ${COUNT} of ${ROOM} instances`,
        ),
      );
    }, 600_000);
  });
});
