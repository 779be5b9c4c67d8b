import { ADMIN, ApiClient, DEMO } from '../support/api-client';
import { bootDefaults, createServer, LATEST, waitForGone, waitForServer } from '../support/servers';
import { TestStack, waitFor } from '../support/stack';

/** Placement and filters under concurrency: three hosts of 20 vCPUs each, no overcommit. */
describe('scheduling', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let demo: ApiClient;
  let imageId: string;
  let demoProject: string;

  beforeAll(async () => {
    stack = await TestStack.start({
      computeHosts: ['s1', 's2', 's3'],
      config: '[fake_driver]\nvcpus = 20\n\n[DEFAULT]\ncpu_allocation_ratio = 1.0\n',
    });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    demo = await ApiClient.login(stack.apiUrl, DEMO);
    await waitFor(
      async () => (await stack.health()).body.checks.compute.up?.length === 3,
      30_000,
      'three hosts up',
    );
    ({ imageId } = await bootDefaults(demo));
    demoProject = (await demo.get('/identity/v3/auth/projects')).body.projects[0].id;
    await admin.put(`/compute/v2.1/os-quota-sets/${demoProject}`, {
      quota_set: { instances: 100, cores: 100, ram: -1 },
    });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const hostOf = async (id: string) =>
    (await admin.get(`/compute/v2.1/servers/${id}`)).body.server['OS-EXT-SRV-ATTR:host'];

  it('places an anti-affinity group on three different hosts, booted concurrently, and refuses a fourth', async () => {
    const group = await demo.post(
      '/compute/v2.1/os-server-groups',
      { server_group: { name: 'spread', policy: 'anti-affinity' } },
      LATEST,
    );
    expect(group.body.server_group).toMatchObject({
      name: 'spread',
      policy: 'anti-affinity',
      rules: {},
      members: [],
    });
    const groupId = group.body.server_group.id;
    const created = await Promise.all(
      [1, 2, 3].map((i) =>
        createServer(demo, { name: `spread-${i}`, imageRef: imageId }, { group: groupId }),
      ),
    );
    const servers = await Promise.all(created.map((res) => waitForServer(demo, res.body.server.id)));
    expect(servers.map((s) => s.status)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE']);
    const hosts = await Promise.all(servers.map((s) => hostOf(s.id)));
    expect(new Set(hosts).size).toBe(3);
    expect(
      (await demo.get(`/compute/v2.1/os-server-groups/${groupId}`, LATEST)).body.server_group.members.sort(),
    ).toEqual(servers.map((s) => s.id).sort());

    const fourth = await createServer(demo, { name: 'spread-4', imageRef: imageId }, { group: groupId });
    const refused = await waitForServer(demo, fourth.body.server.id);
    expect(refused.status).toBe('ERROR');
    expect(refused.fault.message).toBe('No valid host was found. There are not enough hosts available.');

    for (const id of [...servers.map((s) => s.id), refused.id])
      await demo.delete(`/compute/v2.1/servers/${id}`);
    for (const id of [...servers.map((s) => s.id), refused.id]) await waitForGone(demo, id);
  });

  it('places affinity members together', async () => {
    const group = await demo.post('/compute/v2.1/os-server-groups', {
      server_group: { name: 'together', policies: ['affinity'] },
    });
    expect(group.body.server_group).toMatchObject({ policies: ['affinity'], metadata: {} });
    const created = await Promise.all(
      [1, 2].map((i) =>
        createServer(
          demo,
          { name: `together-${i}`, imageRef: imageId },
          { group: group.body.server_group.id },
        ),
      ),
    );
    const servers = await Promise.all(created.map((res) => waitForServer(demo, res.body.server.id)));
    expect(servers.map((s) => s.status)).toEqual(['ACTIVE', 'ACTIVE']);
    const hosts = await Promise.all(servers.map((s) => hostOf(s.id)));
    expect(hosts[0]).toBe(hosts[1]);
    for (const s of servers) await demo.delete(`/compute/v2.1/servers/${s.id}`);
    for (const s of servers) await waitForGone(demo, s.id);
  });

  it('boots 60 servers concurrently onto room for 40: exactly 40 ACTIVE, 20 ERROR, no host over capacity', async () => {
    // Room for 40: s3 is disabled, s1 and s2 have 20 vCPUs each at allocation ratio 1.0.
    const s3 = (await admin.get('/compute/v2.1/os-services?host=s3', LATEST)).body.services[0];
    await admin.put(
      `/compute/v2.1/os-services/${s3.id}`,
      { status: 'disabled', disabled_reason: 'test' },
      LATEST,
    );

    const created = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        createServer(demo, { name: `crowd-${i}`, imageRef: imageId, networks: 'auto' }),
      ),
    );
    expect(created.map((res) => res.status)).toEqual(Array(60).fill(202));
    const servers = await Promise.all(created.map((res) => waitForServer(demo, res.body.server.id, 180_000)));
    const byStatus = servers.reduce<Record<string, number>>(
      (counts, s) => ({ ...counts, [s.status]: (counts[s.status] ?? 0) + 1 }),
      {},
    );
    expect(byStatus).toEqual({ ACTIVE: 40, ERROR: 20 });
    for (const s of servers.filter((s) => s.status === 'ERROR')) {
      expect(s.fault.message).toBe('No valid host was found. There are not enough hosts available.');
    }
    const perHost = await stack.query<{ host: string; vcpus: number; allocated: number }>(
      `SELECT n.host, n.vcpus, coalesce(sum(a.vcpus), 0)::int AS allocated
         FROM compute_nodes n LEFT JOIN allocations a ON a.compute_node_id = n.id
        GROUP BY n.host, n.vcpus ORDER BY n.host`,
    );
    expect(perHost).toEqual([
      { host: 's1', vcpus: 20, allocated: 20 },
      { host: 's2', vcpus: 20, allocated: 20 },
      { host: 's3', vcpus: 20, allocated: 0 },
    ]);
    const [{ ports }] = await stack.query<{ ports: number }>(
      `SELECT count(*)::int AS ports FROM ports WHERE device_owner LIKE 'compute:%'`,
    );
    expect(ports).toBe(40);
    const addresses = servers.filter((s) => s.status === 'ACTIVE').map((s) => s.addresses.private[0].addr);
    expect(new Set(addresses).size).toBe(40);

    await Promise.all(servers.map((s) => demo.delete(`/compute/v2.1/servers/${s.id}`)));
    await Promise.all(servers.map((s) => waitForGone(demo, s.id, 120_000)));
    expect(await stack.query('SELECT * FROM allocations')).toEqual([]);
    await admin.put(`/compute/v2.1/os-services/${s3.id}`, { status: 'enabled' }, LATEST);
  });

  it('allocates ports race-free when concurrent boots fill a nearly full subnet', async () => {
    const network = await demo.post('/network/v2.0/networks', { network: { name: 'tiny' } });
    // A /29 with the gateway taken leaves five addresses.
    await demo.post('/network/v2.0/subnets', {
      subnet: {
        network_id: network.body.network.id,
        cidr: '192.168.77.0/29',
        ip_version: 4,
        name: 'tiny-subnet',
      },
    });
    const created = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        createServer(demo, {
          name: `tiny-${i}`,
          imageRef: imageId,
          networks: [{ uuid: network.body.network.id }],
        }),
      ),
    );
    const servers = await Promise.all(created.map((res) => waitForServer(demo, res.body.server.id)));
    const active = servers.filter((s) => s.status === 'ACTIVE');
    expect(active).toHaveLength(5);
    expect(new Set(active.map((s) => s.addresses.tiny[0].addr)).size).toBe(5);
    for (const s of servers.filter((s) => s.status === 'ERROR')) {
      expect(s.fault.message).toBe(
        `Build of instance ${s.id} aborted: Failed to allocate the network(s), not rescheduling.`,
      );
      expect(await stack.query('SELECT * FROM allocations WHERE consumer_id = $1', [s.id])).toEqual([]);
    }
    await Promise.all(servers.map((s) => demo.delete(`/compute/v2.1/servers/${s.id}`)));
    await Promise.all(servers.map((s) => waitForGone(demo, s.id)));
  });
});
