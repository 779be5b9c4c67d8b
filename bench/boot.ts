import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { loadSettings } from '../common/config';
import { passwordLogin } from '../common/password-login';
import { freePort, sleep } from '../scripts/net';
import { startLocalCloud } from '../scripts/local-cloud';
import type { ceilingWorkflow } from './ceiling-workflow';
import { createNoopActivities } from './noop-activities';
import { cpuBetween, cpuByPart } from './process-cpu';
import { figures, formatFigures, type RunFigures } from './stats';

/**
 * `npm run bench:boot -- --count 100 --hosts 3`: boots N servers at once through the real API on
 * fake hosts, measures boots/s and POST→ACTIVE latency, deletes them all the same way, then runs
 * the same Temporal server's ceiling: N workflows of as many no-op activities as a boot has.
 */
const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100' },
    hosts: { type: 'string', default: '3' },
    poll: { type: 'string', default: '100' },
  },
});
const COUNT = Number(values.count);
const POLL_MS = Number(values.poll);
/** A boot runs five conductor steps as local activities and two host steps as regular ones. */
const BOOT_LOCAL_ACTIVITIES = 5;
const BOOT_HOST_ACTIVITIES = 2;

const log = (line: string) => process.stderr.write(`${line}\n`);

interface ServerRow {
  id: string;
  status: string;
  'OS-EXT-STS:task_state': string | null;
}

/** The few fields of OpenStack's JSON the bench reads. */
interface Body {
  server: { id: string };
  servers: ServerRow[];
  services: unknown[];
  images: { id: string }[];
}

class Api {
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

/** Polls the server list until `done` holds for every id, noting when each first did. */
async function watch(
  api: Api,
  ids: string[],
  done: (server: ServerRow | undefined) => boolean,
): Promise<Map<string, number>> {
  const finished = new Map<string, number>();
  while (finished.size < ids.length) {
    const { body } = await api.call('GET', '/compute/v2.1/servers/detail?limit=1000');
    const now = Date.now();
    const byId = new Map(body.servers.map((server) => [server.id, server]));
    for (const id of ids) if (!finished.has(id) && done(byId.get(id))) finished.set(id, now);
    await sleep(POLL_MS);
  }
  return finished;
}

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
  const gone = await watch(api, created, (s) => s === undefined);
  const del = figures(
    'delete (DELETE → gone)',
    deleteStart,
    created.map((id) => gone.get(id)! - deleted.get(id)!),
    Math.max(...gone.values()),
  );
  return [boot, del];
}

async function measureCeiling(
  address: string,
  localCount: number,
  regularCount: number,
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
  const started = Date.now();
  const latencies = await Promise.all(
    Array.from({ length: COUNT }, async (_, i) => {
      const at = Date.now();
      await client.workflow.execute<typeof ceilingWorkflow>('ceilingWorkflow', {
        taskQueue,
        workflowId: `${taskQueue}-${i}`,
        args: [localCount, regularCount],
      });
      return Date.now() - at;
    }),
  );
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

async function main() {
  const scratch = mkdtempSync(join(tmpdir(), 'novaflow-bench-'));
  chmodSync(scratch, 0o755);
  const apiPort = await freePort();
  writeFileSync(join(scratch, 'bench.conf'), '[quota]\ninstances = -1\ncores = -1\nram = -1\n');
  Object.assign(process.env, {
    NOVAFLOW_DATA_DIR: scratch,
    NOVAFLOW_API_PORT: String(apiPort),
    NOVAFLOW_CONFIG: join(scratch, 'bench.conf'),
    NOVAFLOW_LOG_LEVEL: 'warn',
  });
  const settings = loadSettings();
  const hosts = Array.from({ length: Number(values.hosts) }, (_, i) => `bench${i + 1}`);
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
    while (
      (await api.call('GET', '/compute/v2.1/os-services?binary=nova-compute')).body.services.length <
      hosts.length
    ) {
      await sleep(500);
    }
    const images = await api.call('GET', '/image/v2/images?name=cirros');
    const imageId = images.body.images[0].id;
    // One boot per host first, so that image caches are warm as in a cloud that has run a while.
    const warm = await Promise.all(
      hosts.map((host, i) =>
        api.call('POST', '/compute/v2.1/servers', {
          server: {
            name: `warm-${i}`,
            imageRef: imageId,
            flavorRef: '1',
            networks: 'none',
            availability_zone: `nova:${host}`,
          },
        }),
      ),
    );
    const warmIds = warm.map((res) => res.body.server.id as string);
    await watch(api, warmIds, (s) => s?.status === 'ACTIVE');
    await Promise.all(warmIds.map((id) => api.call('DELETE', `/compute/v2.1/servers/${id}`)));
    await watch(api, warmIds, (s) => s === undefined);

    const before = cpuByPart(scratch);
    const rows = await measureBootAndDelete(api, imageId);
    const cpu = cpuBetween(before, cpuByPart(scratch));
    rows.push(await measureCeiling(cloud.temporalAddress, 0, BOOT_LOCAL_ACTIVITIES + BOOT_HOST_ACTIVITIES));
    rows.push(await measureCeiling(cloud.temporalAddress, BOOT_LOCAL_ACTIVITIES, BOOT_HOST_ACTIVITIES));
    const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
    process.stdout.write(
      `\n${COUNT} concurrent operations, ${hosts.length} fake hosts, on ${machine}\n\n${formatFigures(rows)}\n` +
        `\nCPU time of the boots and deletes, by process: ${cpu}\n`,
    );
  } finally {
    await cloud.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
