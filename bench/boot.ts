import { parseArgs } from 'node:util';
import { Api, log, machine, measureCeiling, watch, withBenchStack } from './api';
import { cpuBetween, cpuByPart } from './process-cpu';
import { figures, formatFigures, type RunFigures } from './stats';

/**
 * `npm run bench:boot -- --count 100 --hosts 3 [--temporal postgres]`: boots N servers at once through the real API on
 * fake hosts, measures boots/s and POST→ACTIVE latency, deletes them all the same way, then runs
 * the same Temporal server's ceiling: N workflows of as many no-op activities as a boot has.
 */
const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100' },
    hosts: { type: 'string', default: '3' },
    poll: { type: 'string', default: '100' },
    // dev: the Temporal dev server on SQLite; postgres: the real server on PostgreSQL.
    temporal: { type: 'string', default: 'dev' },
  },
});
const COUNT = Number(values.count);
const POLL_MS = Number(values.poll);
/** A boot runs five conductor steps as local activities and one host step (build) as a regular one. */
const BOOT_LOCAL_ACTIVITIES = 5;
const BOOT_HOST_ACTIVITIES = 1;

async function measureBootAndDelete(api: Api, imageId: string): Promise<RunFigures[]> {
  const posted = new Map<string, number>();
  const bootStart = Date.now();
  const created = await Promise.all(
    Array.from({ length: COUNT }, async (_, i) => {
      const at = Date.now();
      const res = await api.call('POST', '/compute/v2.1/servers', {
        server: { name: `bench-${i}`, imageRef: imageId, flavorRef: '1', networks: 'auto' },
      });
      if (res.status !== 202) throw new Error(`boot ${i}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
      posted.set(res.body.server.id, at);
      return res.body.server.id as string;
    }),
  );
  log(`all ${COUNT} POSTs answered 202 after ${Date.now() - bootStart} ms`);
  const active = await watch(
    api,
    created,
    (s) => s !== undefined && ['ACTIVE', 'ERROR'].includes(s.status) && s['OS-EXT-STS:task_state'] === null,
    POLL_MS,
  );
  const { body } = await api.call('GET', '/compute/v2.1/servers/detail?limit=1000');
  const errors = body.servers.filter((s) => s.status === 'ERROR').length;
  if (errors > 0) log(`warning: ${errors} boots ended in ERROR`);
  const boot = figures(
    'boot (POST → ACTIVE)',
    bootStart,
    created.map((id) => active.get(id)! - posted.get(id)!),
    Math.max(...active.values()),
  );

  const deleted = new Map<string, number>();
  const deleteStart = Date.now();
  await Promise.all(
    created.map(async (id) => {
      deleted.set(id, Date.now());
      const res = await api.call('DELETE', `/compute/v2.1/servers/${id}`);
      if (res.status !== 204) throw new Error(`delete ${id}: HTTP ${res.status}`);
    }),
  );
  const gone = await watch(api, created, (s) => s === undefined, POLL_MS);
  const del = figures(
    'delete (DELETE → gone)',
    deleteStart,
    created.map((id) => gone.get(id)! - deleted.get(id)!),
    Math.max(...gone.values()),
  );
  return [boot, del];
}

async function main() {
  await withBenchStack(
    {
      hostCount: Number(values.hosts),
      config: `[quota]\ninstances = -1\ncores = -1\nram = -1\n[temporal]\nserver = ${values.temporal}\n`,
      pollMs: POLL_MS,
    },
    async ({ cloud, api, scratch, hosts, imageId }) => {
      const before = cpuByPart(scratch);
      const rows = await measureBootAndDelete(api, imageId);
      const cpu = cpuBetween(before, cpuByPart(scratch));
      rows.push(
        await measureCeiling(cloud.temporalAddress, COUNT, 0, BOOT_LOCAL_ACTIVITIES + BOOT_HOST_ACTIVITIES),
      );
      rows.push(
        await measureCeiling(cloud.temporalAddress, COUNT, BOOT_LOCAL_ACTIVITIES, BOOT_HOST_ACTIVITIES),
      );
      process.stdout.write(
        `\n${COUNT} concurrent operations, ${hosts.length} fake hosts, Temporal ${values.temporal === 'postgres' ? 'server on PostgreSQL' : 'dev server'}, on ${machine()}\n\n${formatFigures(rows)}\n` +
          `\nCPU time of the boots and deletes, by process: ${cpu}\n`,
      );
    },
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
