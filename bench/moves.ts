import { parseArgs } from 'node:util';
import {
  type Api,
  type BenchStack,
  describeServer,
  log,
  machine,
  measureCeiling,
  type ServerRow,
  settle,
  temporalServerName,
  type Verdict,
  withBenchStack,
} from './api';
import { cpuBetween, cpuByPart } from './process-cpu';
import { figures, formatFigures, type RunFigures } from './stats';

/**
 * `npm run bench:moves -- --count 20 --hosts 3 [--temporal postgres]`: on a stack of its own with
 * fake hosts, moves N servers at once through the real API (compute 2.93, as admin) and measures
 * each move to its end state: resize + confirm, cold migrate + confirm, live migration, and
 * evacuation of a host forced down; then the same Temporal server's ceiling for a workflow of the
 * same shape.
 */
const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '20' },
    hosts: { type: 'string', default: '3' },
    poll: { type: 'string', default: '100' },
    // dev: the Temporal dev server on SQLite; postgres: the real server on PostgreSQL.
    temporal: { type: 'string', default: 'dev' },
    /** Seconds any one wait may take before it reports the servers that did not arrive. */
    timeout: { type: 'string', default: '300' },
  },
});
const COUNT = Number(values.count);
const HOSTS = Number(values.hosts);
const POLL_MS = Number(values.poll);
const TIMEOUT_MS = Number(values.timeout) * 1000;

/**
 * Unlimited live migrations per host, so that a host does not serialize them (the default, 1, is
 * Nova's), and no quota in the way of N servers growing to m1.small. The fake hosts keep their
 * default size (1000 vCPUs, 800 GB of memory, 600 TB of disk each): far more than N servers need.
 */
const CONFIG =
  '[DEFAULT]\nmax_concurrent_live_migrations = 0\n[quota]\ninstances = -1\ncores = -1\nram = -1\n' +
  `[temporal]\nserver = ${values.temporal}\n`;

/**
 * The activities of each move, counted from its workflow on the path a move between two hosts
 * takes (no same-host check, no alternate host, no slot wait, no retries).
 * - resize and cold migration (workflows/resize.ts), one workflow: the move is beginMove,
 *   scheduleMove, advanceMove ×3, finishMoveEvent, destinationSpec, finishResize (8 local) and
 *   migrateDiskAndPowerOff, finishMigration (2 regular); after the confirm signal decideResize,
 *   beginConfirm, finishConfirm (3 local) and confirmMigration (1 regular).
 * - live migration (workflows/live-migrate.ts): beginMove, scheduleMove, hostCapabilities,
 *   destinationSpec, acquireLiveMigrationSlot, advanceMove, finishLiveMigration (7 local; a
 *   recordLiveMigrationProgress more when a progress signal lands while the copy runs) and
 *   checkCanLiveMigrateDestination, checkCanLiveMigrateSource, preLiveMigration, liveMigrate,
 *   postLiveMigrationAtDestination, destroy on the source (6 regular).
 * - evacuation (workflows/evacuate.ts): beginMove, scheduleMove, hostCapabilities, placeEvacuee,
 *   setTaskState, finishEvacuation (6 local) and prepareBlockDevices, spawn (2 regular).
 */
const SHAPES = {
  resize: { local: 8 + 3, regular: 2 + 1 },
  liveMigrate: { local: 7, regular: 6 },
  evacuate: { local: 6, regular: 2 },
};

const GOAL = 0.5;

/** A batch of servers through one step: its figures, who got there, and what went wrong. */
interface Step {
  row: RunFigures;
  /** Latency of each server that arrived, ms. */
  latencies: Map<string, number>;
  wallMs: number;
  problems: string[];
}

const task = (s: ServerRow) => s['OS-EXT-STS:task_state'];
const hostOf = (s: ServerRow | undefined) => s?.['OS-EXT-SRV-ATTR:host'] ?? undefined;

function figuresOf(
  name: string,
  startedAt: number,
  latencies: Map<string, number>,
  ends: Map<string, number>,
) {
  const endedAt = ends.size ? Math.max(...ends.values()) : Date.now();
  return figures(name, startedAt, [...latencies.values()], endedAt);
}

/** Judges for the waits: where each step is meant to leave a server, and where it is not. */
const judges = {
  active: (s: ServerRow | undefined): Verdict => {
    if (!s) return { failed: 'gone' };
    if (s.status === 'ERROR' && task(s) === null) return { failed: describeServer(s) };
    return s.status === 'ACTIVE' && task(s) === null ? 'arrived' : 'pending';
  },
  /** A move that fails before its source acts leaves the server ACTIVE, with no task. */
  verifyResize: (s: ServerRow | undefined): Verdict => {
    if (!s) return { failed: 'gone' };
    if (task(s) !== null) return 'pending';
    if (s.status === 'VERIFY_RESIZE') return 'arrived';
    return { failed: `not resized: ${describeServer(s)}` };
  },
  /** ACTIVE with no task on another host than `from`'s. */
  movedOff:
    (from: Map<string, string | undefined>) =>
    (s: ServerRow | undefined, id: string): Verdict => {
      if (!s) return { failed: 'gone' };
      if (task(s) !== null) return 'pending';
      if (s.status === 'ACTIVE' && hostOf(s) !== from.get(id)) return 'arrived';
      if (s.status === 'ACTIVE') return { failed: `stayed on ${hostOf(s)}: ${describeServer(s)}` };
      return { failed: describeServer(s) };
    },
};

/** Waits for `accepted` (id → when its request was sent) and turns it into a Step. */
async function finish(
  api: Api,
  name: string,
  startedAt: number,
  accepted: Map<string, number>,
  judge: (server: ServerRow | undefined, id: string) => Verdict,
  problems: string[],
): Promise<Step> {
  const { arrived, failed, late } = await settle(api, [...accepted.keys()], judge, {
    pollMs: POLL_MS,
    timeoutMs: TIMEOUT_MS,
  });
  for (const [id, why] of failed) problems.push(`${id}: ${why}`);
  for (const [id, state] of late)
    problems.push(`${id}: not there after ${TIMEOUT_MS / 1000} s, last seen ${state}`);
  const latencies = new Map([...arrived].map(([id, at]) => [id, at - accepted.get(id)!]));
  const row = figuresOf(name, startedAt, latencies, arrived);
  const wallMs = (arrived.size ? Math.max(...arrived.values()) : Date.now()) - startedAt;
  log(`${name}: ${arrived.size} arrived, ${failed.size} failed, ${late.size} late`);
  return { row, latencies, wallMs, problems };
}

/** POSTs `action` to every server at once, then waits for each to arrive by `judge`. */
async function act(
  api: Api,
  name: string,
  ids: string[],
  action: unknown,
  expectStatus: number,
  judge: (server: ServerRow | undefined, id: string) => Verdict,
): Promise<Step> {
  const accepted = new Map<string, number>();
  const problems: string[] = [];
  const startedAt = Date.now();
  await Promise.all(
    ids.map(async (id) => {
      const at = Date.now();
      try {
        const res = await api.call('POST', `/compute/v2.1/servers/${id}/action`, action);
        if (res.status === expectStatus) accepted.set(id, at);
        else problems.push(`${id}: POST answered HTTP ${res.status} ${JSON.stringify(res.body)}`);
      } catch (error) {
        problems.push(`${id}: POST failed: ${(error as Error).message}`);
      }
    }),
  );
  log(
    `${name}: ${accepted.size} of ${ids.length} POSTs answered ${expectStatus} after ${Date.now() - startedAt} ms`,
  );
  return finish(api, name, startedAt, accepted, judge, problems);
}

/** Boots `count` m1.tiny servers at once, on `host` if given; not a measured move. */
async function boot(stack: BenchStack, prefix: string, host?: string): Promise<Step> {
  const { api, imageId } = stack;
  const accepted = new Map<string, number>();
  const problems: string[] = [];
  const startedAt = Date.now();
  await Promise.all(
    Array.from({ length: COUNT }, async (_, i) => {
      const at = Date.now();
      const server = {
        name: `${prefix}-${i}`,
        imageRef: imageId,
        flavorRef: '1',
        networks: 'auto',
        ...(host ? { availability_zone: `nova:${host}` } : {}),
      };
      try {
        const res = await api.call('POST', '/compute/v2.1/servers', { server });
        if (res.status === 202) accepted.set(res.body.server.id, at);
        else problems.push(`boot ${server.name}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
      } catch (error) {
        problems.push(`boot ${server.name}: ${(error as Error).message}`);
      }
    }),
  );
  const name = `setup: boot (POST → ACTIVE)${host ? ` on ${host}` : ''}`;
  return finish(api, name, startedAt, accepted, judges.active, problems);
}

/** Two steps of the same servers one after the other, per server the sum. */
function sum(name: string, first: Step, second: Step): RunFigures {
  const latencies = [...second.latencies].map(([id, ms]) => ms + first.latencies.get(id)!);
  return figures(name, 0, latencies, first.wallMs + second.wallMs);
}

async function servers(api: Api): Promise<ServerRow[]> {
  const res = await api.call('GET', '/compute/v2.1/servers/detail?limit=1000');
  if (res.status !== 200) throw new Error(`server list: HTTP ${res.status}`);
  return res.body.servers;
}

/** Of `ids`, the servers ACTIVE with no task: those a next move can take. */
async function movable(api: Api, ids: Iterable<string>): Promise<string[]> {
  const byId = new Map((await servers(api)).map((s) => [s.id, s]));
  return [...ids].filter((id) => {
    const s = byId.get(id);
    return s?.status === 'ACTIVE' && task(s) === null;
  });
}

async function setForcedDown(api: Api, host: string, forcedDown: boolean): Promise<void> {
  const found = await api.call('GET', `/compute/v2.1/os-services?host=${host}&binary=nova-compute`);
  const service = found.body?.services?.[0];
  if (!service) throw new Error(`no compute service on ${host}: HTTP ${found.status}`);
  const res = await api.call('PUT', `/compute/v2.1/os-services/${service.id}`, { forced_down: forcedDown });
  if (res.status !== 200)
    throw new Error(`forced_down ${forcedDown} on ${host}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
}

/** Deletes every server of the stack and waits until they are gone. */
async function deleteAll(api: Api): Promise<void> {
  const ids = (await servers(api)).map((s) => s.id);
  if (!ids.length) return;
  await Promise.all(
    ids.map((id) => api.call('DELETE', `/compute/v2.1/servers/${id}`).catch(() => undefined)),
  );
  const { late } = await settle(api, ids, (s) => (s === undefined ? 'arrived' : 'pending'), {
    pollMs: POLL_MS,
    timeoutMs: TIMEOUT_MS,
  });
  if (late.size)
    log(
      `${late.size} servers not deleted after ${TIMEOUT_MS / 1000} s: ${[...late].map(([id, s]) => `${id} (${s})`).join(', ')}`,
    );
}

interface Operation {
  title: string;
  rows: RunFigures[];
  /** The row compared with the ceiling. */
  measured: RunFigures;
  shape: { local: number; regular: number };
  notes: string[];
  problems: string[];
  cpu: string;
}

async function run(stack: BenchStack): Promise<{ setup: RunFigures[]; operations: Operation[] }> {
  const { api, hosts, scratch } = stack;
  const setup: RunFigures[] = [];
  const operations: Operation[] = [];

  const spread = await boot(stack, 'moves');
  setup.push(spread.row);
  const setupProblems = spread.problems;
  let ids = [...spread.latencies.keys()];

  // 1. Resize to m1.small, then confirm.
  let before = cpuByPart(scratch);
  const resize = await act(
    api,
    'resize (POST → VERIFY_RESIZE)',
    ids,
    { resize: { flavorRef: '2' } },
    202,
    judges.verifyResize,
  );
  const confirm = await act(
    api,
    'confirm (POST → ACTIVE)',
    [...resize.latencies.keys()],
    { confirmResize: null },
    204,
    judges.active,
  );
  const resizeConfirm = sum('resize+confirm', resize, confirm);
  operations.push({
    title: `resize (m1.tiny → m1.small) + confirm, ${ids.length} at once`,
    rows: [resize.row, confirm.row, resizeConfirm],
    measured: resizeConfirm,
    shape: SHAPES.resize,
    notes: [
      'resize+confirm: per server the sum of its two latencies; wall s the sum of both walls.',
      'The ceiling approximates the one resize workflow, which waits for the confirm signal in between, as one workflow of its 11 local + 3 regular activities.',
    ],
    problems: [...setupProblems, ...resize.problems, ...confirm.problems],
    cpu: cpuBetween(before, cpuByPart(scratch)),
  });

  // 2. Cold migration, then confirm.
  ids = await movable(api, ids);
  before = cpuByPart(scratch);
  const migrate = await act(
    api,
    'cold migrate (POST → VERIFY_RESIZE)',
    ids,
    { migrate: null },
    202,
    judges.verifyResize,
  );
  const confirmMigrate = await act(
    api,
    'confirm (POST → ACTIVE)',
    [...migrate.latencies.keys()],
    { confirmResize: null },
    204,
    judges.active,
  );
  const migrateConfirm = sum('migrate+confirm', migrate, confirmMigrate);
  operations.push({
    title: `cold migrate + confirm, ${ids.length} at once`,
    rows: [migrate.row, confirmMigrate.row, migrateConfirm],
    measured: migrateConfirm,
    shape: SHAPES.resize,
    notes: [
      'The same workflow as a resize; the same approximated ceiling of 11 local + 3 regular activities.',
    ],
    problems: [...migrate.problems, ...confirmMigrate.problems],
    cpu: cpuBetween(before, cpuByPart(scratch)),
  });

  // 3. Live migration to a host the scheduler picks.
  ids = await movable(api, ids);
  const liveFrom = new Map((await servers(api)).map((s) => [s.id, hostOf(s)]));
  before = cpuByPart(scratch);
  const live = await act(
    api,
    'live migrate (POST → ACTIVE elsewhere)',
    ids,
    { 'os-migrateLive': { host: null, block_migration: 'auto' } },
    202,
    judges.movedOff(liveFrom),
  );
  operations.push({
    title: `live migrate, ${ids.length} at once`,
    rows: [live.row],
    measured: live.row,
    shape: SHAPES.liveMigrate,
    notes: [
      '[DEFAULT] max_concurrent_live_migrations = 0 (unlimited): no host serializes its live migrations.',
    ],
    problems: live.problems,
    cpu: cpuBetween(before, cpuByPart(scratch)),
  });

  // 4. Evacuation of a host forced down, of servers booted onto it; the others go first.
  await deleteAll(api);
  const down = hosts[0];
  const onDown = await boot(stack, 'evacuee', down);
  setup.push(onDown.row);
  ids = await movable(api, onDown.latencies.keys());
  const evacFrom = new Map((await servers(api)).map((s) => [s.id, hostOf(s)]));
  const notOnDown = ids.filter((id) => evacFrom.get(id) !== down);
  if (notOnDown.length) throw new Error(`servers booted onto ${down} are elsewhere: ${notOnDown.join(', ')}`);
  await setForcedDown(api, down, true);
  let evacuate: Step;
  try {
    before = cpuByPart(scratch);
    evacuate = await act(
      api,
      'evacuate (POST → ACTIVE elsewhere)',
      ids,
      { evacuate: {} },
      200,
      judges.movedOff(evacFrom),
    );
  } finally {
    await setForcedDown(api, down, false);
  }
  operations.push({
    title: `evacuate ${down} (forced down), ${ids.length} at once`,
    rows: [evacuate.row],
    measured: evacuate.row,
    shape: SHAPES.evacuate,
    notes: [`${down} was forced down (os-services forced_down) before the evacuations and back up after.`],
    problems: [...onDown.problems, ...evacuate.problems],
    cpu: cpuBetween(before, cpuByPart(scratch)),
  });
  return { setup, operations };
}

function ratioLine(measured: RunFigures, ceiling: RunFigures): string {
  if (measured.count === 0)
    return 'goal: within 2× of the Temporal ceiling for the same shape: no server arrived';
  const throughput = measured.perSecond / ceiling.perSecond;
  const p50 = measured.p50 / ceiling.p50;
  const verdict = throughput >= GOAL ? 'met' : 'not met';
  return (
    `goal: within 2× of the Temporal ceiling for the same shape (throughput at least half of it): ` +
    `${measured.perSecond.toFixed(2)} per s against ${ceiling.perSecond.toFixed(2)}, ` +
    `${Math.round(throughput * 100)} % of the ceiling (p50 ${p50.toFixed(2)}× the ceiling's): ${verdict}`
  );
}

async function main() {
  if (!(HOSTS >= 2)) throw new Error('--hosts must be at least 2: a move needs somewhere to go');
  if (!(COUNT >= 1)) throw new Error('--count must be at least 1');
  await withBenchStack(
    { hostCount: HOSTS, config: CONFIG, pollMs: POLL_MS, timeoutMs: TIMEOUT_MS },
    async (stack) => {
      let result: Awaited<ReturnType<typeof run>>;
      try {
        result = await run(stack);
      } finally {
        await deleteAll(stack.api).catch((error: Error) => log(`deleting the servers: ${error.message}`));
      }
      const ceilings = new Map<string, RunFigures>();
      for (const op of result.operations) {
        const key = `${op.shape.local}/${op.shape.regular}`;
        if (!ceilings.has(key)) {
          log(`ceiling: ${op.shape.local} local + ${op.shape.regular} regular`);
          ceilings.set(
            key,
            await measureCeiling(stack.cloud.temporalAddress, COUNT, op.shape.local, op.shape.regular),
          );
        }
      }
      const out: string[] = [
        '',
        `${COUNT} concurrent operations, ${stack.hosts.length} fake hosts, ${temporalServerName(values.temporal)}, on ${machine()}`,
        '[DEFAULT] max_concurrent_live_migrations = 0 (unlimited), quota unlimited, compute 2.93 as admin',
        '',
        formatFigures(result.setup),
      ];
      for (const op of result.operations) {
        const ceiling = ceilings.get(`${op.shape.local}/${op.shape.regular}`)!;
        out.push('', `## ${op.title}`, '', formatFigures([...op.rows, ceiling]), '');
        out.push(...op.notes, ratioLine(op.measured, ceiling));
        out.push(`CPU time, by process: ${op.cpu}`);
        if (op.problems.length) {
          out.push(`${op.problems.length} servers did not get there:`);
          out.push(...op.problems.map((p) => `  ${p}`));
        }
      }
      process.stdout.write(`${out.join('\n')}\n`);
    },
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
