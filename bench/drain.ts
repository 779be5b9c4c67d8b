import { parseArgs } from 'node:util';
import { sleep } from '../scripts/net';
import { type Api, type BenchStack, log, machine, watch, withBenchStack } from './api';

/**
 * `npm run bench:drain -- --count 20 --hosts 3`: on a stack of its own with fake hosts, boots N
 * servers onto one host and drains it with the drain-host runbook (all N in one batch, then in
 * batches of --batch), against the same N live migrations asked for at once through the API.
 * Goal: the runbook costs little beside the moves it makes: a drain of N in one batch at least
 * 0.8 × the throughput of the N live migrations asked for directly.
 */
const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '20' },
    hosts: { type: 'string', default: '3' },
    batch: { type: 'string', default: '5' },
    poll: { type: 'string', default: '100' },
  },
});
const COUNT = Number(values.count);
const HOSTS = Number(values.hosts);
const BATCH = Number(values.batch);
const POLL_MS = Number(values.poll);
const GOAL = 0.8;
const BOOT_GROUP = 5;

/** No host serializes its live migrations, and no quota in the way of N servers. */
const CONFIG =
  '[DEFAULT]\nmax_concurrent_live_migrations = 0\n[quota]\ninstances = -1\ncores = -1\nram = -1\n';

const hostOf = (server: { 'OS-EXT-SRV-ATTR:host'?: string | null } | undefined) =>
  server?.['OS-EXT-SRV-ATTR:host'];

/**
 * N ACTIVE servers on `host`, booted five to a request: more claims at once on one forced host
 * lose the node's generation race more often than the claim retries allow (issue 16's to mend).
 */
async function bootOnto(api: Api, imageId: string, host: string, name: string): Promise<string[]> {
  const ids: string[] = [];
  for (let first = 0; first < COUNT; first += BOOT_GROUP) {
    const count = Math.min(BOOT_GROUP, COUNT - first);
    const res = await api.call('POST', '/compute/v2.1/servers', {
      server: {
        name: `${name}-${first}`,
        imageRef: imageId,
        flavorRef: '1',
        networks: 'none',
        availability_zone: `nova:${host}`,
        min_count: count,
        max_count: count,
        return_reservation_id: true,
      },
    });
    if (res.status !== 202) throw new Error(`boot onto ${host}: HTTP ${res.status}`);
    const reservation = (res.body as unknown as { reservation_id: string }).reservation_id;
    const listed = await api.call('GET', `/compute/v2.1/servers?reservation_id=${reservation}`);
    const group = listed.body.servers.map((server) => server.id);
    await watch(api, group, (server) => server?.status === 'ACTIVE' || server?.status === 'ERROR', POLL_MS);
    const { body } = await api.call('GET', '/compute/v2.1/servers/detail?limit=1000');
    const failed = body.servers.filter((server) => group.includes(server.id) && server.status !== 'ACTIVE');
    if (failed.length) throw new Error(`boots onto ${host} failed: ${failed.map((s) => s.id).join(', ')}`);
    ids.push(...group);
  }
  return ids;
}

/** Runs a drain-host runbook to its end: its wall time in ms, and why the servers it did not move stayed. */
async function drain(api: Api, host: string, concurrency: number): Promise<{ ms: number; stayed: string[] }> {
  const startedAt = Date.now();
  const res = await api.call('POST', '/compute/v2.1/os-runbooks', {
    runbook: 'drain-host',
    host,
    concurrency,
  });
  if (res.status !== 202)
    throw new Error(`drain-host ${host}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  const { id } = (res.body as unknown as { runbook: { id: string } }).runbook;
  for (;;) {
    const shown = await api.call('GET', `/compute/v2.1/os-runbooks/${id}`);
    const { runbook } = shown.body as unknown as {
      runbook: { status: string; progress: { instances: { status: string; reason?: string }[] } };
    };
    if (runbook.status !== 'running') {
      if (runbook.status !== 'completed') throw new Error(`drain ${id} ended ${runbook.status}`);
      const stayed = runbook.progress.instances.filter((entry) => entry.status !== 'moved');
      return {
        ms: Date.now() - startedAt,
        stayed: stayed.map((entry) => `${entry.status}: ${entry.reason}`),
      };
    }
    await sleep(POLL_MS);
  }
}

/** The same N live migrations asked for at once through the API; wall time until all have ended, and how many left. */
async function liveMigrateAll(api: Api, ids: string[], from: string): Promise<{ ms: number; moved: number }> {
  const startedAt = Date.now();
  await Promise.all(
    ids.map(async (id) => {
      const res = await api.call('POST', `/compute/v2.1/servers/${id}/action`, {
        'os-migrateLive': { host: null, block_migration: 'auto' },
      });
      if (res.status !== 202) throw new Error(`live migration of ${id}: HTTP ${res.status}`);
    }),
  );
  // Each POST claimed its server (task_state migrating) before its 202: no task left is the end.
  await watch(api, ids, (server) => server?.status === 'ACTIVE' && !server['OS-EXT-STS:task_state'], POLL_MS);
  const ms = Date.now() - startedAt;
  const { body } = await api.call('GET', '/compute/v2.1/servers/detail?limit=1000');
  const moved = body.servers.filter((server) => ids.includes(server.id) && hostOf(server) !== from).length;
  return { ms, moved };
}

async function setService(api: Api, host: string, status: 'enabled' | 'disabled'): Promise<void> {
  const { body } = await api.call('GET', `/compute/v2.1/os-services?host=${host}&binary=nova-compute`);
  await api.call('PUT', `/compute/v2.1/os-services/${body.services[0].id}`, { status });
}

async function deleteAll(api: Api, ids: string[]): Promise<void> {
  await Promise.all(ids.map((id) => api.call('DELETE', `/compute/v2.1/servers/${id}`)));
  await watch(api, ids, (server) => server === undefined, POLL_MS);
}

async function run({ api, hosts, imageId }: BenchStack): Promise<void> {
  const source = hosts[0];
  const rows: { name: string; ms: number; moved: number; stayed: string[] }[] = [];
  const perSecond = (row: { ms: number; moved: number }) => (row.moved * 1000) / row.ms;

  let ids = await bootOnto(api, imageId, source, 'direct');
  const direct = await liveMigrateAll(api, ids, source);
  const stayedDirect = Array.from({ length: COUNT - direct.moved }, () => 'not moved (see its fault)');
  rows.push({ name: `${COUNT} live migrations asked for at once (API)`, ...direct, stayed: stayedDirect });
  await deleteAll(api, ids);

  for (const concurrency of [COUNT, BATCH]) {
    await setService(api, source, 'enabled');
    ids = await bootOnto(api, imageId, source, `drained-${concurrency}`);
    const { ms, stayed } = await drain(api, source, concurrency);
    rows.push({ name: `drain-host, concurrency ${concurrency}`, ms, moved: COUNT - stayed.length, stayed });
    await deleteAll(api, ids);
  }

  process.stdout.write(`\nDrain: ${COUNT} servers off ${source}, ${HOSTS} fake hosts, ${machine()}\n\n`);
  process.stdout.write('| run | wall ms | moved | moved per s |\n| --- | --- | --- | --- |\n');
  for (const row of rows)
    process.stdout.write(`| ${row.name} | ${row.ms} | ${row.moved} | ${perSecond(row).toFixed(2)} |\n`);
  for (const row of rows) for (const why of row.stayed) process.stdout.write(`${row.name}: stayed, ${why}\n`);
  const share = perSecond(rows[1]) / perSecond(rows[0]);
  process.stdout.write(
    `\ngoal: a drain in one batch at least ${GOAL} × the direct live migrations' throughput: ` +
      `${share.toFixed(2)} × (${share >= GOAL ? 'met' : 'not met'})\n`,
  );
}

withBenchStack({ hostCount: HOSTS, config: CONFIG, pollMs: POLL_MS, timeoutMs: 300_000 }, run).catch(
  (error) => {
    log(String(error instanceof Error ? error.stack : error));
    process.exit(1);
  },
);
