import { parseArgs } from 'node:util';
import { type Api, log, machine, withBenchStack } from './api';
import { percentile } from './stats';

/**
 * `npm run bench:create-many -- --count 1000 --hosts 3`: one POST /servers with min_count =
 * max_count = N through the real API on fake hosts; times the POST's answer (goal: about 2 s for
 * N = 1000), and, for information, the time until all N are ACTIVE. `--runs` repeats it.
 */
const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' },
    hosts: { type: 'string', default: '3' },
    runs: { type: 'string', default: '1' },
    poll: { type: 'string', default: '250' },
  },
});
const COUNT = Number(values.count);
const RUNS = Number(values.runs);
const POLL_MS = Number(values.poll);
/** The goal of issue 16 for one POST of 1,000 servers. */
const GOAL_MS = 2000;

interface RunResult {
  answerMs: number;
  allActiveMs: number;
  errors: number;
}

/** How many of the reservation's servers are in each status, by one listing. */
async function statuses(api: Api, reservationId: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let marker = '';
  for (;;) {
    const res = await api.call(
      'GET',
      `/compute/v2.1/servers/detail?reservation_id=${reservationId}&limit=1000${marker}`,
    );
    if (res.status !== 200) throw new Error(`server list: HTTP ${res.status}`);
    for (const server of res.body.servers) counts.set(server.status, (counts.get(server.status) ?? 0) + 1);
    if (res.body.servers.length < 1000) return counts;
    marker = `&marker=${res.body.servers.at(-1)!.id}`;
  }
}

async function createMany(api: Api, imageId: string, run: number): Promise<RunResult> {
  const started = Date.now();
  const res = await api.call('POST', '/compute/v2.1/servers', {
    server: {
      name: `many-${run}`,
      imageRef: imageId,
      flavorRef: '1',
      networks: 'none',
      min_count: COUNT,
      max_count: COUNT,
      return_reservation_id: true,
    },
  });
  const answerMs = Date.now() - started;
  if (res.status !== 202) throw new Error(`POST: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  const reservationId = (res.body as unknown as { reservation_id: string }).reservation_id;
  log(`run ${run}: POST of ${COUNT} answered 202 after ${answerMs} ms (${reservationId})`);
  for (;;) {
    const counts = await statuses(api, reservationId);
    const settled = (counts.get('ACTIVE') ?? 0) + (counts.get('ERROR') ?? 0);
    if (settled >= COUNT) {
      const allActiveMs = Date.now() - started;
      log(`run ${run}: all ${COUNT} settled after ${allActiveMs} ms`);
      return { answerMs, allActiveMs, errors: counts.get('ERROR') ?? 0 };
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function main() {
  await withBenchStack(
    {
      hostCount: Number(values.hosts),
      config: `[quota]\ninstances = -1\ncores = -1\nram = -1\n[api]\nmax_servers_per_request = ${COUNT}\nrequest_timeout = 600\n`,
      pollMs: POLL_MS,
    },
    async ({ api, hosts, imageId }) => {
      const results: RunResult[] = [];
      for (let run = 1; run <= RUNS; run++) results.push(await createMany(api, imageId, run));
      const answers = results.map((r) => r.answerMs);
      const actives = results.map((r) => r.allActiveMs);
      const errors = results.reduce((sum, r) => sum + r.errors, 0);
      process.stdout.write(
        `\nOne POST /servers with min_count = max_count = ${COUNT}, ${hosts.length} fake hosts, ` +
          `${RUNS} run(s), on ${machine()}\n\n` +
          '| figure | p50 ms | runs (ms) | goal |\n|---|---|---|---|\n' +
          `| POST answered (202) | ${percentile(answers, 50)} | ${answers.join(', ')} | about ${GOAL_MS} ms for 1000 |\n` +
          `| POST → all ACTIVE (informational) | ${percentile(actives, 50)} | ${actives.join(', ')} | — |\n` +
          (errors > 0 ? `\nwarning: ${errors} servers ended in ERROR\n` : ''),
      );
    },
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
