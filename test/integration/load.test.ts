import { ADMIN, ApiClient } from '../support/api-client';
import { violationsOnceSettled } from '../support/invariants';
import { bootDefaults, computeServices, LATEST } from '../support/servers';
import { TestStack, waitFor } from '../support/stack';
import { percentile } from '../../bench/stats';

const HOSTS = ['ld-1', 'ld-2', 'ld-3'];
/** Each host has room for this many m1.tiny (1 vCPU each, no overcommit): 60 in all. */
const VCPUS_PER_HOST = 20;
/** Projects and their instance quotas: three that could fill the cloud twice, one small. */
const PROJECTS = [
  { name: 'load-a', quota: 40 },
  { name: 'load-b', quota: 40 },
  { name: 'load-c', quota: 40 },
  { name: 'load-d', quota: 10 },
];
/** Boot requests each project sends at once: 300 in all, for 130 quota and 60 places. */
const BOOTS_PER_PROJECT = 75;

interface Tenant {
  name: string;
  quota: number;
  client: ApiClient;
}

/**
 * Load, bounded in count and time, on 127.0.0.1: 300 boots at once from four projects onto room
 * for 60, then every server deleted at once. Quotas hold exactly under the race (each project gets
 * its quota's worth and Nova's 403 for the rest), no host takes more than it has, nothing answers
 * 5xx, every server ends ACTIVE or in ERROR with Nova's NoValidHost, and the cloud's invariants
 * hold before and after the deletes. Prints its figures (BENCHMARKS.md has the latest).
 */
describe('load: boots and deletes at once from several projects onto room for fewer', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let networkId: string;
  let imageId: string;
  const tenants: Tenant[] = [];

  beforeAll(async () => {
    stack = await TestStack.start({
      computeHosts: HOSTS,
      config:
        `[DEFAULT]\ncpu_allocation_ratio = 1.0\nram_allocation_ratio = 1.0\n` +
        `[fake_driver]\nvcpus = ${VCPUS_PER_HOST}\n`,
    });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    await computeServices(admin, HOSTS.length);
    ({ imageId } = await bootDefaults(admin));
    const network = await admin.post('/network/v2.0/networks', { network: { name: 'load', shared: true } });
    networkId = network.body.network.id;
    await admin.post('/network/v2.0/subnets', {
      subnet: { network_id: networkId, ip_version: 4, cidr: '10.40.0.0/22' },
    });
    const memberRole = (await admin.get('/identity/v3/roles?name=member')).body.roles[0].id;
    for (const { name, quota } of PROJECTS) {
      const project = (await admin.post('/identity/v3/projects', { project: { name, domain_id: 'default' } }))
        .body.project;
      const user = (
        await admin.post('/identity/v3/users', {
          user: { name: `${name}-user`, password: `${name}-pw`, domain_id: 'default' },
        })
      ).body.user;
      await admin.put(`/identity/v3/projects/${project.id}/users/${user.id}/roles/${memberRole}`);
      const set = await admin.put(`/compute/v2.1/os-quota-sets/${project.id}`, {
        quota_set: { instances: quota, cores: -1, ram: -1 },
      });
      expect(set.status).toBe(200);
      const client = await ApiClient.login(stack.apiUrl, {
        username: `${name}-user`,
        password: `${name}-pw`,
        project: name,
      });
      tenants.push({ name, quota, client: client.with(LATEST) });
    }
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('keeps quotas, capacities and the invariants, answers no 5xx, and frees everything on delete', async () => {
    const bootStarted = Date.now();
    const requests = tenants.flatMap((tenant) =>
      Array.from({ length: BOOTS_PER_PROJECT }, async (_, i) => {
        const sent = Date.now();
        const res = await tenant.client.post('/compute/v2.1/servers', {
          server: {
            name: `${tenant.name}-${i}`,
            imageRef: imageId,
            flavorRef: '1',
            networks: [{ uuid: networkId }],
          },
        });
        return { tenant, res, sent, answered: Date.now() };
      }),
    );
    const answers = await Promise.all(requests);
    const answeredAll = Date.now();
    expect(answers.filter(({ res }) => res.status >= 500).map(({ res }) => res.text)).toEqual([]);

    const accepted = new Map<string, { tenant: Tenant; sent: number }>();
    for (const tenant of tenants) {
      const own = answers.filter((answer) => answer.tenant === tenant);
      const ok = own.filter(({ res }) => res.status === 202);
      // Exactly the quota's worth, raced from 75 requests; the rest Nova's 403.
      expect(ok).toHaveLength(tenant.quota);
      for (const { res } of own.filter(({ res }) => res.status !== 202)) {
        expect(res.status).toBe(403);
        expect(res.body.forbidden.message).toMatch(/^Quota exceeded for instances/);
      }
      for (const { res, sent } of ok) accepted.set(res.body.server.id, { tenant, sent });
    }

    // Every accepted server settles: ACTIVE where there was room, else ERROR with NoValidHost.
    const settledAt = new Map<string, number>();
    await waitFor(
      async () => {
        const rows = await stack.query<{ uuid: string; vm_state: string; task_state: string | null }>(
          'SELECT uuid, vm_state, task_state FROM instances WHERE deleted_at IS NULL',
        );
        for (const row of rows) {
          if (row.task_state === null && row.vm_state !== 'building' && !settledAt.has(row.uuid))
            settledAt.set(row.uuid, Date.now());
        }
        return settledAt.size === accepted.size;
      },
      300_000,
      'every accepted boot to settle',
    );
    const bootSeconds = (Date.now() - bootStarted) / 1000;
    const servers = await stack.query<{
      uuid: string;
      vm_state: string;
      host: string | null;
      fault: string | null;
    }>(
      `SELECT i.uuid, i.vm_state, i.host,
              (SELECT f.message FROM instance_faults f WHERE f.instance_uuid = i.uuid ORDER BY f.id DESC LIMIT 1) AS fault
         FROM instances i WHERE i.deleted_at IS NULL`,
    );
    const active = servers.filter((server) => server.vm_state === 'active');
    const errored = servers.filter((server) => server.vm_state === 'error');
    expect(active.length + errored.length).toBe(accepted.size);
    expect(active.length).toBeLessThanOrEqual(HOSTS.length * VCPUS_PER_HOST);
    for (const server of errored) expect(server.fault).toMatch(/^No valid host was found/);
    const nodes = await stack.query<{ host: string; vcpus: number; vcpus_used: number }>(
      `SELECT n.host, n.vcpus, coalesce(sum(a.vcpus), 0)::int AS vcpus_used
         FROM compute_nodes n LEFT JOIN allocations a ON a.compute_node_id = n.id GROUP BY n.host, n.vcpus`,
    );
    for (const node of nodes) expect(node.vcpus_used).toBeLessThanOrEqual(node.vcpus);
    for (const tenant of tenants) {
      const limits = (await tenant.client.get('/compute/v2.1/limits')).body.limits.absolute;
      expect(limits.totalInstancesUsed).toBeLessThanOrEqual(tenant.quota);
    }
    expect(await violationsOnceSettled(stack, HOSTS, 30_000)).toEqual([]);

    // Every server deleted at once, by its own project.
    const deleteStarted = Date.now();
    const deletes = await Promise.all(
      [...accepted].map(([id, { tenant }]) => tenant.client.delete(`/compute/v2.1/servers/${id}`)),
    );
    expect(deletes.filter((res) => res.status !== 204).map((res) => `${res.status} ${res.text}`)).toEqual([]);
    await waitFor(
      async () => (await stack.query('SELECT 1 FROM instances WHERE deleted_at IS NULL')).length === 0,
      300_000,
      'every server to be deleted',
    );
    const deleteSeconds = (Date.now() - deleteStarted) / 1000;
    expect(await violationsOnceSettled(stack, HOSTS, 30_000)).toEqual([]);
    expect(await stack.query('SELECT 1 FROM allocations')).toEqual([]);
    expect(await stack.query('SELECT 1 FROM ports WHERE instance_uuid IS NOT NULL')).toEqual([]);
    for (const tenant of tenants) {
      const limits = (await tenant.client.get('/compute/v2.1/limits')).body.limits.absolute;
      expect(limits.totalInstancesUsed).toBe(0);
    }

    const answerMs = answers.map(({ sent, answered }) => answered - sent).sort((a, b) => a - b);
    const toActive = active
      .map((server) => settledAt.get(server.uuid)! - accepted.get(server.uuid)!.sent)
      .sort((a, b) => a - b);
    process.stdout.write(
      [
        `load: ${answers.length} boot requests from ${tenants.length} projects, ${accepted.size} accepted ` +
          `(quotas), ${active.length} ACTIVE on room for ${HOSTS.length * VCPUS_PER_HOST}, ${errored.length} NoValidHost`,
        `  all ${answers.length} answered in ${((answeredAll - bootStarted) / 1000).toFixed(1)} s ` +
          `(answer p50 ${percentile(answerMs, 50)} ms, p95 ${percentile(answerMs, 95)} ms)`,
        `  all accepted settled in ${bootSeconds.toFixed(1)} s; to ACTIVE p50 ${percentile(toActive, 50)} ms, ` +
          `p95 ${percentile(toActive, 95)} ms`,
        `  ${accepted.size} deletes at once, all gone in ${deleteSeconds.toFixed(1)} s`,
        '',
      ].join('\n'),
    );
  }, 900_000);
});
