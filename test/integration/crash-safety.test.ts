import { ADMIN, ApiClient } from '../support/api-client';
import {
  bootDefaults,
  computeServices,
  createServer,
  getServer,
  waitForGone,
  waitForServer,
  waitForTaskState,
} from '../support/servers';
import { sleep } from '../../scripts/net';
import { TestStack, waitFor } from '../support/stack';

/**
 * Any process may die in any phase of an operation, and the operation still finishes or rolls
 * back, exactly once, with nothing orphaned. Each crash window is opened on purpose here: the
 * API killed between its claim and the workflow start, a workflow terminated under its
 * instance, and the conductor killed with SIGKILL again and again under concurrent load.
 */
describe('crash safety', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let imageId: string;
  let networkId: string;
  const hosts = ['c1', 'c2', 'c3-slow'];

  beforeAll(async () => {
    stack = await TestStack.start({
      computeHosts: hosts,
      // The reconciler looks every 2 s; c3-slow takes 20 s to spawn, so a build there can be caught
      // mid-way. Hosts count as down only after 60 s (Nova's default), so that a conductor killed
      // and restarted, which records no host reports meanwhile, does not make them look down.
      config:
        '[DEFAULT]\nservice_down_time = 60\n[conductor]\nreconcile_interval = 2\n[quota]\ninstances = -1\ncores = -1\nram = -1\n[fake_driver]\nslow_methods = c3-slow:spawn:20\n',
    });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    await computeServices(admin, 3);
    ({ imageId, networkId } = await bootDefaults(admin));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** What the cloud holds for a server: its claim, its ports, and whether its host runs a guest for it. */
  const holdings = async (uuid: string) => ({
    allocations: (await stack.query('SELECT 1 FROM allocations WHERE consumer_id = $1', [uuid])).length,
    ports: (await stack.query('SELECT 1 FROM ports WHERE device_id = $1', [uuid])).length,
  });

  /** Sends a request to an API that kills itself before answering; the connection just drops. */
  const dropped = (request: Promise<unknown>) =>
    request.then(
      () => 'answered',
      () => 'dropped',
    );

  it('boots and deletes anyway when the API dies between its claim and the workflow start', async () => {
    await stack.restart('api', { env: { NOVAFLOW_CRASH_AT: 'api-before-workflow-start' } });
    await stack.waitForApi();
    const crashing = await ApiClient.login(stack.apiUrl, ADMIN);
    const post = createServer(crashing, {
      name: 'orphan-candidate',
      imageRef: imageId,
      networks: [{ uuid: networkId }],
      availability_zone: 'nova:c1',
    });
    expect(await dropped(post)).toBe('dropped');
    const [row] = await stack.query<{ uuid: string }>(
      `SELECT uuid FROM instances WHERE display_name = 'orphan-candidate'`,
    );
    expect(row).toBeDefined();

    await stack.restart('api', { env: { NOVAFLOW_CRASH_AT: undefined } });
    await stack.waitForApi();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    const server = await waitForServer(admin, row.uuid, 60_000);
    expect(server.status).toBe('ACTIVE');
    expect(await holdings(row.uuid)).toEqual({ allocations: 1, ports: 1 });

    await stack.restart('api', { env: { NOVAFLOW_CRASH_AT: 'api-before-workflow-start' } });
    await stack.waitForApi();
    const crashingAgain = await ApiClient.login(stack.apiUrl, ADMIN);
    expect(await dropped(crashingAgain.delete(`/compute/v2.1/servers/${row.uuid}`))).toBe('dropped');
    await stack.restart('api', { env: { NOVAFLOW_CRASH_AT: undefined } });
    await stack.waitForApi();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    await waitForGone(admin, row.uuid, 60_000);
    expect(await holdings(row.uuid)).toEqual({ allocations: 0, ports: 0 });
    expect(await stack.query('SELECT * FROM workflow_outbox')).toEqual([]);
  });

  it('rolls back a build whose workflow an operator terminated, and its host drops the guest', async () => {
    const created = await createServer(admin, {
      name: 'terminated',
      imageRef: imageId,
      networks: [{ uuid: networkId }],
      availability_zone: 'nova:c3-slow',
    });
    const id = created.body.server.id;
    await waitForTaskState(admin, id, 'spawning');
    const [{ task_id: taskId }] = await stack.query<{ task_id: string }>(
      'SELECT task_id FROM instances WHERE uuid = $1',
      [id],
    );
    await stack.temporal().workflow.getHandle(taskId).terminate('operator test');

    const server = await waitForServer(admin, id, 60_000);
    expect(server.status).toBe('ERROR');
    expect(server.fault.message).toBe(`The task ${taskId} ended without finishing (TERMINATED).`);
    expect(await holdings(id)).toEqual({ allocations: 0, ports: 0 });
    // The spawn still finishes on the host: its report shows a guest nothing owns, which goes then.
    const guestsOnSlowHost = async () =>
      (
        await stack.query<{ running_vms: number }>(
          `SELECT running_vms FROM compute_nodes WHERE host = 'c3-slow'`,
        )
      )[0].running_vms;
    await waitFor(
      async () => (await guestsOnSlowHost()) === 1,
      60_000,
      'the orphaned spawn to finish on c3-slow',
    );
    await waitFor(
      async () => (await guestsOnSlowHost()) === 0,
      30_000,
      'c3-slow to destroy the orphaned guest',
    );
    const actions = await stack.query(
      'SELECT 1 FROM instance_actions WHERE instance_uuid = $1 AND finish_time IS NOT NULL',
      [id],
    );
    expect(actions).toHaveLength(1);
    expect((await admin.delete(`/compute/v2.1/servers/${id}`)).status).toBe(204);
    await waitForGone(admin, id);
  });

  it('loses nothing when the conductor is killed again and again during concurrent boots and deletes', async () => {
    const count = 24;
    const posts = await Promise.all(
      Array.from({ length: count }, (_, index) =>
        createServer(admin, {
          name: `storm-${index}`,
          imageRef: imageId,
          networks: [{ uuid: networkId }],
          availability_zone: `nova:${index % 2 === 0 ? 'c1' : 'c2'}`,
        }),
      ),
    );
    expect(posts.map((post) => post.status)).toEqual(posts.map(() => 202));
    const ids: string[] = posts.map((post) => post.body.server.id);
    for (let kill = 0; kill < 3; kill++) {
      await sleep(700);
      await stack.restart('conductor', { kill: true });
    }
    const settled = await Promise.all(ids.map((id) => waitForServer(admin, id, 120_000)));
    expect(settled.map((server) => server.status)).toEqual(ids.map(() => 'ACTIVE'));

    const doomed = ids.slice(0, count / 2);
    const deletes = await Promise.all(doomed.map((id) => admin.delete(`/compute/v2.1/servers/${id}`)));
    expect(deletes.map((res) => res.status)).toEqual(doomed.map(() => 204));
    for (let kill = 0; kill < 2; kill++) {
      await sleep(500);
      await stack.restart('conductor', { kill: true });
    }
    for (const id of doomed) await waitForGone(admin, id, 120_000);

    const survivors = ids.slice(count / 2);
    for (const id of survivors) {
      expect(await holdings(id)).toEqual({ allocations: 1, ports: 1 });
      const server = await getServer(admin, id);
      expect(server.addresses.private).toHaveLength(1);
    }
    for (const id of doomed) expect(await holdings(id)).toEqual({ allocations: 0, ports: 0 });
    // Every survivor has exactly one guest, on its own host, running; no host runs any other guest.
    await waitFor(
      async () => {
        const nodes = await stack.query<{ host: string; running_vms: number }>(
          `SELECT host, running_vms FROM compute_nodes WHERE host IN ('c1', 'c2') ORDER BY host`,
        );
        const expected = ['c1', 'c2'].map((host) => ({
          host,
          running_vms: survivors.filter((_, index) => (count / 2 + index) % 2 === (host === 'c1' ? 0 : 1))
            .length,
        }));
        const powered = await stack.query(
          `SELECT 1 FROM instances WHERE uuid = ANY($1::uuid[]) AND power_state = 1`,
          [survivors],
        );
        return JSON.stringify(nodes) === JSON.stringify(expected) && powered.length === survivors.length;
      },
      30_000,
      'each host to report exactly its survivors, all running',
    );
    const leaked = await stack.query(
      `SELECT consumer_id FROM allocations a WHERE NOT EXISTS
         (SELECT 1 FROM instances i WHERE i.uuid = a.consumer_id AND i.deleted_at IS NULL)`,
    );
    expect(leaked).toEqual([]);
    const strayPorts = await stack.query(
      `SELECT id FROM ports p WHERE p.device_owner LIKE 'compute:%' AND NOT EXISTS
         (SELECT 1 FROM instances i WHERE i.uuid::text = p.device_id AND i.deleted_at IS NULL)`,
    );
    expect(strayPorts).toEqual([]);
  });
});
