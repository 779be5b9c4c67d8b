import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadSettings } from '../common/config';
import { passwordLogin } from '../common/password-login';
import { freePort, sleep } from '../scripts/net';
import { type LocalCloud, startLocalCloud } from '../scripts/local-cloud';
import type { ceilingWorkflow } from './ceiling-workflow';
import { createNoopActivities } from './noop-activities';
import { figures, type RunFigures } from './stats';

/** What the benchmarks share: the API client, the server-list poll, the stack, the Temporal ceiling. */

export const log = (line: string) => process.stderr.write(`${line}\n`);

export interface ServerRow {
  id: string;
  name?: string;
  status: string;
  'OS-EXT-STS:task_state': string | null;
  /** Admins see it. */
  'OS-EXT-SRV-ATTR:host'?: string | null;
  /** Shown for servers in ERROR. */
  fault?: { code?: number; message?: string };
}

export interface ServiceRow {
  id: string | number;
  host: string;
  binary: string;
  state?: string;
  status?: string;
  forced_down?: boolean;
}

/** The few fields of OpenStack's JSON the benchmarks read. */
export interface Body {
  server: { id: string; status?: string; name?: string; fault?: ServerRow['fault'] };
  /** os-getConsoleOutput's answer. */
  output?: string;
  servers: ServerRow[];
  services: ServiceRow[];
  service: ServiceRow;
  images: { id: string }[];
}

export class Api {
  constructor(
    private readonly baseUrl: string,
    private token = '',
  ) {}

  async login(username: string, password: string, projectName: string): Promise<void> {
    const login = await passwordLogin(`${this.baseUrl}/identity/v3`, { username, password, projectName });
    if (!login.token) throw new Error(`login of ${username} failed: HTTP ${login.status}`);
    this.token = login.token;
  }

  async call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Body }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        'x-auth-token': this.token,
        'content-type': 'application/json',
        'openstack-api-version': 'compute 2.93',
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
}

/**
 * Polls the server list until `done` holds for every id, noting when each first did (a server
 * that is gone is undefined). With `since` (epoch ms, at or before the ids' requests), the list
 * holds only servers changed since then, deleted ones among them, as Nova's changes-since does: a
 * poll costs what the watched servers cost, not what the whole cloud's first page does.
 */
export async function watch(
  api: Api,
  ids: string[],
  done: (server: ServerRow | undefined) => boolean,
  pollMs: number,
  since?: number,
): Promise<Map<string, number>> {
  const finished = new Map<string, number>();
  // changes-since compares with updated_at: a second back covers any rounding of either clock.
  const filter = since === undefined ? '' : `&changes-since=${new Date(since - 1000).toISOString()}`;
  while (finished.size < ids.length) {
    const { body } = await api.call('GET', `/compute/v2.1/servers/detail?limit=1000${filter}`);
    const now = Date.now();
    const byId = new Map(
      body.servers.filter((server) => server.status !== 'DELETED').map((server) => [server.id, server]),
    );
    for (const id of ids) if (!finished.has(id) && done(byId.get(id))) finished.set(id, now);
    await sleep(pollMs);
  }
  return finished;
}

/** Where a server stands in a wait: still on its way, there, or somewhere it will not leave (why). */
export type Verdict = 'pending' | 'arrived' | { failed: string };

export interface Settled {
  /** When each server that arrived was first seen there. */
  arrived: Map<string, number>;
  /** Servers that ended elsewhere (ERROR, back where they were), with why. */
  failed: Map<string, string>;
  /** Servers still on their way at the timeout, with their last state. */
  late: Map<string, string>;
}

/** What a server row says, in a few words, for error reports. */
export function describeServer(server: ServerRow | undefined): string {
  if (!server) return 'gone';
  const task = server['OS-EXT-STS:task_state'];
  const host = server['OS-EXT-SRV-ATTR:host'];
  const fault = server.fault?.message ? `, fault: ${server.fault.message}` : '';
  return `${server.status}${task ? `/${task}` : ''}${host ? ` on ${host}` : ''}${fault}`;
}

/**
 * Polls the server list until every id has arrived or failed, by `judge`, or the timeout has
 * passed: a wait that always ends, saying which servers did not get there.
 */
export async function settle(
  api: Api,
  ids: string[],
  judge: (server: ServerRow | undefined, id: string) => Verdict,
  options: { pollMs: number; timeoutMs: number },
): Promise<Settled> {
  const arrived = new Map<string, number>();
  const failed = new Map<string, string>();
  const deadline = Date.now() + options.timeoutMs;
  let last = new Map<string, ServerRow>();
  for (;;) {
    const res = await api.call('GET', '/compute/v2.1/servers/detail?limit=1000');
    if (res.status !== 200) throw new Error(`server list: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    const now = Date.now();
    last = new Map(res.body.servers.map((server) => [server.id, server]));
    for (const id of ids) {
      if (arrived.has(id) || failed.has(id)) continue;
      const verdict = judge(last.get(id), id);
      if (verdict === 'arrived') arrived.set(id, now);
      else if (verdict !== 'pending') failed.set(id, verdict.failed);
    }
    if (arrived.size + failed.size >= ids.length || now >= deadline) break;
    await sleep(options.pollMs);
  }
  const late = new Map(
    ids
      .filter((id) => !arrived.has(id) && !failed.has(id))
      .map((id) => [id, describeServer(last.get(id))] as const),
  );
  return { arrived, failed, late };
}

/** The Temporal server's ceiling: `count` workflows at once of as many no-op activities. */
export async function measureCeiling(
  address: string,
  count: number,
  localCount: number,
  regularCount: number,
  /** One workflow after another (the floor of one operation's latency), not all at once. */
  serial = false,
): Promise<RunFigures> {
  const taskQueue = `bench-ceiling-${Date.now()}`;
  const connection = await NativeConnection.connect({ address });
  const worker = await Worker.create({
    connection,
    taskQueue,
    workflowsPath: require.resolve('./ceiling-workflow'),
    activities: createNoopActivities(),
  });
  const running = worker.run();
  const clientConnection = await Connection.connect({ address });
  const client = new Client({ connection: clientConnection });
  const runOne = async (i: number) => {
    const at = Date.now();
    await client.workflow.execute<typeof ceilingWorkflow>('ceilingWorkflow', {
      taskQueue,
      workflowId: `${taskQueue}-${i}`,
      args: [localCount, regularCount],
    });
    return Date.now() - at;
  };
  const started = Date.now();
  const latencies: number[] = [];
  if (serial) for (let i = 0; i < count; i++) latencies.push(await runOne(i));
  else latencies.push(...(await Promise.all(Array.from({ length: count }, (_, i) => runOne(i)))));
  const ended = Date.now();
  worker.shutdown();
  await running;
  await connection.close();
  await clientConnection.close();
  return figures(
    `ceiling: ${localCount} local + ${regularCount} regular no-op activities`,
    started,
    latencies,
    ended,
  );
}

export interface BenchStack {
  cloud: LocalCloud;
  /** Logged in as admin in the admin project. */
  api: Api;
  /** The stack's data directory, which names its processes for `cpuByPart`. */
  scratch: string;
  hosts: string[];
  /** cirros's id. */
  imageId: string;
}

/**
 * Starts a stack of its own with `hostCount` fake hosts (bench1, bench2, ...) and `config` as its
 * nova.conf, waits for it and its compute services, warms every host's image cache with one boot
 * and delete, runs `body`, and stops the stack and removes its data whatever happens.
 */
/** Warm-up boots in flight at once. */
const WARM_UP_AT_ONCE = 50;

export async function withBenchStack(
  /** timeoutMs: how long the start-up waits may take (compute services, warm-up boots); unbounded if not given. */
  options: { hostCount: number; config: string; pollMs: number; timeoutMs?: number },
  body: (stack: BenchStack) => Promise<void>,
): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'novaflow-bench-'));
  chmodSync(scratch, 0o755);
  const apiPort = await freePort();
  writeFileSync(join(scratch, 'bench.conf'), options.config);
  Object.assign(process.env, {
    NOVAFLOW_DATA_DIR: scratch,
    NOVAFLOW_API_PORT: String(apiPort),
    NOVAFLOW_CONFIG: join(scratch, 'bench.conf'),
    NOVAFLOW_LOG_LEVEL: 'warn',
  });
  const settings = loadSettings();
  const hosts = Array.from({ length: options.hostCount }, (_, i) => `bench${i + 1}`);
  const cloud = await startLocalCloud({
    settings,
    postgresPort: await freePort(),
    temporalPort: await freePort(),
    persistent: false,
    computeHosts: hosts,
    log,
  });
  try {
    if (!(await cloud.waitHealthy(120_000))) throw new Error('the stack did not become healthy');
    const api = new Api(settings.env.publicUrl);
    await api.login('admin', cloud.secrets.adminPassword, 'admin');
    const deadline = Date.now() + (options.timeoutMs ?? Infinity);
    while (
      (await api.call('GET', '/compute/v2.1/os-services?binary=nova-compute')).body.services.length <
      hosts.length
    ) {
      if (Date.now() > deadline) throw new Error(`not all ${hosts.length} compute services reported`);
      await sleep(500);
    }
    const images = await api.call('GET', '/image/v2/images?name=cirros');
    const imageId = images.body.images[0].id;
    // One boot per host first, so that image caches are warm as in a cloud that has run a while;
    // a few dozen at a time, so that a thousand hosts' warm-up does not swamp the machine.
    for (let first = 0; first < hosts.length; first += WARM_UP_AT_ONCE) {
      await warmUp(api, imageId, hosts.slice(first, first + WARM_UP_AT_ONCE), first, options);
    }
    await body({ cloud, api, scratch, hosts, imageId });
  } finally {
    await cloud.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Boots one server on each of `hosts` and deletes it again. */
async function warmUp(
  api: Api,
  imageId: string,
  hosts: string[],
  offset: number,
  options: { pollMs: number; timeoutMs?: number },
): Promise<void> {
  const warm = await Promise.all(
    hosts.map((host, j) =>
      api.call('POST', '/compute/v2.1/servers', {
        server: {
          name: `warm-${offset + j}`,
          imageRef: imageId,
          flavorRef: '1',
          networks: 'none',
          availability_zone: `nova:${host}`,
        },
      }),
    ),
  );
  const warmIds = warm.map((res) => res.body.server.id as string);
  if (options.timeoutMs === undefined) {
    await watch(api, warmIds, (s) => s?.status === 'ACTIVE' || s?.status === 'ERROR', options.pollMs);
    const shown = await Promise.all(warmIds.map((id) => api.call('GET', `/compute/v2.1/servers/${id}`)));
    const errors = shown.map(({ body }) => body.server).filter((server) => server.status === 'ERROR');
    if (errors.length > 0) {
      throw new Error(
        `${errors.length} warm-up boots ended in ERROR, as ${errors[0].name}: ${errors[0].fault?.message}`,
      );
    }
    await Promise.all(warmIds.map((id) => api.call('DELETE', `/compute/v2.1/servers/${id}`)));
    await watch(api, warmIds, (s) => s === undefined, options.pollMs);
  } else {
    const waits = { pollMs: options.pollMs, timeoutMs: options.timeoutMs };
    const up = await settle(
      api,
      warmIds,
      (s) =>
        s?.status === 'ACTIVE'
          ? 'arrived'
          : s?.status === 'ERROR'
            ? { failed: describeServer(s) }
            : 'pending',
      waits,
    );
    const bad = [...up.failed, ...up.late];
    if (bad.length)
      throw new Error(`warm-up boots failed: ${bad.map(([id, why]) => `${id} ${why}`).join('; ')}`);
    await Promise.all(warmIds.map((id) => api.call('DELETE', `/compute/v2.1/servers/${id}`)));
    const gone = await settle(api, warmIds, (s) => (s === undefined ? 'arrived' : 'pending'), waits);
    if (gone.late.size) throw new Error(`warm-up servers not deleted: ${[...gone.late.keys()].join(', ')}`);
  }
}

/** The machine a run was on, for the heading of its figures. */
/** The Temporal server a bench ran on (`--temporal dev|postgres`), as its report names it. */
export function temporalServerName(server: string): string {
  return server === 'postgres' ? 'Temporal server on PostgreSQL' : 'Temporal dev server';
}

export function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
}
