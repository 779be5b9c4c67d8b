import { parseArgs } from 'node:util';
import { Client } from 'pg';
import {
  Api,
  log,
  machine,
  measureCeiling,
  type ServerRow,
  temporalServerName,
  watch,
  withBenchStack,
} from './api';
import { cpuBetween, cpuByPart } from './process-cpu';
import { copyInstances } from './seed-servers';
import { figures, formatFigures, type RunFigures } from './stats';

/**
 * `npm run bench:boot -- --count 100 --hosts 3 [--servers 10000] [--temporal postgres] [--serial]`:
 * boots N servers at once through the real API on fake hosts (with --serial, one after another:
 * one boot's own latency), measures boots/s and POST→ACTIVE latency, deletes them all the same
 * way, then runs the same Temporal server's ceiling: N workflows of as many no-op activities as a
 * boot has, at once or (--serial) one after another. --servers: the cloud already holds that many
 * idle servers, spread over its hosts (rows copied in SQL from one booted through the API).
 */
const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100' },
    hosts: { type: 'string', default: '3' },
    poll: { type: 'string', default: '100' },
    // dev: the Temporal dev server on SQLite; postgres: the real server on PostgreSQL.
    temporal: { type: 'string', default: 'dev' },
    serial: { type: 'boolean', default: false },
    servers: { type: 'string', default: '0' },
  },
});
const COUNT = Number(values.count);
const POLL_MS = Number(values.poll);
/** A boot runs three conductor steps as local activities and one host step (build) as a regular one. */
const BOOT_LOCAL_ACTIVITIES = 3;
const BOOT_HOST_ACTIVITIES = 1;

interface Operated {
  ids: string[];
  /** When each server's request was sent, and when it was first seen done. */
  sent: Map<string, number>;
  done: Map<string, number>;
}

/**
 * Sends `count` requests (`send(i)` returns the server's id) at once and waits until every server
 * is `done`; with --serial, sends one, waits for it, then the next.
 */
async function operate(
  api: Api,
  count: number,
  send: (i: number) => Promise<string>,
  isDone: (server: ServerRow | undefined) => boolean,
): Promise<Operated> {
  const result: Operated = { ids: [], sent: new Map(), done: new Map() };
  const sendOne = async (i: number) => {
    const at = Date.now();
    const id = await send(i);
    result.sent.set(id, at);
    return id;
  };
  const waitFor = async (ids: string[]) => {
    const since = Math.min(...ids.map((id) => result.sent.get(id)!));
    for (const [id, at] of await watch(api, ids, isDone, POLL_MS, since)) result.done.set(id, at);
  };
  if (values.serial) {
    for (let i = 0; i < count; i++) {
      result.ids.push(await sendOne(i));
      await waitFor(result.ids.slice(-1));
    }
  } else {
    result.ids = await Promise.all(Array.from({ length: count }, (_, i) => sendOne(i)));
    await waitFor(result.ids);
  }
  return result;
}

const latencies = ({ ids, sent, done }: Operated) => ids.map((id) => done.get(id)! - sent.get(id)!);
const lastDone = ({ done }: Operated) => Math.max(...done.values());

async function measureBootAndDelete(api: Api, imageId: string): Promise<RunFigures[]> {
  const bootStart = Date.now();
  const booted = await operate(
    api,
    COUNT,
    async (i) => {
      const res = await api.call('POST', '/compute/v2.1/servers', {
        server: { name: `bench-${i}`, imageRef: imageId, flavorRef: '1', networks: 'auto' },
      });
      if (res.status !== 202) throw new Error(`boot ${i}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.server.id as string;
    },
    (s) => s !== undefined && ['ACTIVE', 'ERROR'].includes(s.status) && s['OS-EXT-STS:task_state'] === null,
  );
  const { body } = await api.call('GET', '/compute/v2.1/servers/detail?limit=1000');
  const errors = body.servers.filter((s) => s.status === 'ERROR').length;
  if (errors > 0) log(`warning: ${errors} boots ended in ERROR`);
  const boot = figures('boot (POST → ACTIVE)', bootStart, latencies(booted), lastDone(booted));

  const deleteStart = Date.now();
  const deleted = await operate(
    api,
    COUNT,
    async (i) => {
      const id = booted.ids[i];
      const res = await api.call('DELETE', `/compute/v2.1/servers/${id}`);
      if (res.status !== 204) throw new Error(`delete ${id}: HTTP ${res.status}`);
      return id;
    },
    (s) => s === undefined,
  );
  const del = figures('delete (DELETE → gone)', deleteStart, latencies(deleted), lastDone(deleted));
  return [boot, del];
}

/** `count` idle servers across the hosts: one booted through the API, the others its copies. */
async function seedServers(api: Api, databaseUrl: string, imageId: string, count: number): Promise<void> {
  const created = await api.call('POST', '/compute/v2.1/servers', {
    server: { name: 'bench-seed', imageRef: imageId, flavorRef: '1', networks: 'none' },
  });
  if (created.status !== 202)
    throw new Error(`seed boot: HTTP ${created.status} ${JSON.stringify(created.body)}`);
  const template = created.body.server.id as string;
  await watch(api, [template], (s) => s?.status === 'ACTIVE', POLL_MS);
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query('BEGIN');
    await copyInstances(db, template, count - 1, { spreadOverNodes: true });
    await db.query('COMMIT');
    await db.query('ANALYZE');
  } finally {
    await db.end();
  }
  log(`${count} idle servers across the hosts`);
}

async function main() {
  const seeded = Number(values.servers);
  await withBenchStack(
    {
      hostCount: Number(values.hosts),
      // The seeded servers have no guests on their fake hosts: no power sync to stop them all.
      config:
        `[DEFAULT]\nsync_power_state_interval = ${seeded > 0 ? -1 : 600}\n` +
        `[quota]\ninstances = -1\ncores = -1\nram = -1\n[temporal]\nserver = ${values.temporal}\n`,
      pollMs: POLL_MS,
    },
    async ({ cloud, api, scratch, hosts, imageId }) => {
      if (seeded > 0) await seedServers(api, cloud.databaseUrl, imageId, seeded);
      const before = cpuByPart(scratch);
      const rows = await measureBootAndDelete(api, imageId);
      const cpu = cpuBetween(before, cpuByPart(scratch));
      // Serial, the ceiling is one no-op workflow after another: the server's floor for one boot.
      rows.push(
        await measureCeiling(
          cloud.temporalAddress,
          COUNT,
          0,
          BOOT_LOCAL_ACTIVITIES + BOOT_HOST_ACTIVITIES,
          values.serial,
        ),
      );
      rows.push(
        await measureCeiling(
          cloud.temporalAddress,
          COUNT,
          BOOT_LOCAL_ACTIVITIES,
          BOOT_HOST_ACTIVITIES,
          values.serial,
        ),
      );
      process.stdout.write(
        `\n${COUNT} ${values.serial ? 'operations one after another' : 'concurrent operations'}, ${hosts.length} fake hosts${seeded > 0 ? ` holding ${seeded} servers` : ''}, ${temporalServerName(values.temporal)}, on ${machine()}\n\n${formatFigures(rows)}\n` +
          `\nCPU time of the boots and deletes, by process: ${cpu}\n`,
      );
    },
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
