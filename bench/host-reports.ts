import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { Pool } from 'pg';
import { loadSettings } from '../common/config';
import { computeGroups } from '../scripts/compute-groups';
import { startLocalCloud } from '../scripts/local-cloud';
import { freePort, sleep } from '../scripts/net';
import { log, machine } from './api';
import { cpuByPart, cpuSpent } from './process-cpu';

/**
 * `npm run bench:host-reports -- --hosts 1000 --seconds 60 [--temporal postgres]`: starts a stack
 * whose fake hosts run a few to a process, waits until every host has reported, then measures over
 * `seconds` the CPU each part spends while the hosts do nothing but report every report_interval,
 * beside its budget. On the real server (--temporal postgres) it also takes the server's Go CPU
 * profile over the same window and prints its top functions.
 */
const { values } = parseArgs({
  options: {
    hosts: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '60' },
    interval: { type: 'string', default: '10' },
    // dev: the Temporal dev server on SQLite; postgres: the real server on PostgreSQL.
    temporal: { type: 'string', default: 'dev' },
  },
});
const ON_POSTGRES = values.temporal === 'postgres';
const HOSTS = Number(values.hosts);
const SECONDS = Number(values.seconds);
const INTERVAL = Number(values.interval);

/** 1,000 hosts reporting every 10 s. */
const TARGET_REPORTS_PER_SECOND = 100;
/** Percent of one core each part may spend on the reports of 1,000 hosts every 10 s. */
const BUDGET: Record<string, number> = {
  conductor: 25,
  postgresql: 25,
  'temporal server': 60,
  'compute hosts': 100,
};

async function main() {
  const scratch = mkdtempSync(join(tmpdir(), 'novaflow-bench-'));
  chmodSync(scratch, 0o755);
  // service_down_time six intervals, as Nova's defaults (10 s and 60 s) are.
  writeFileSync(
    join(scratch, 'bench.conf'),
    `[DEFAULT]\nreport_interval = ${INTERVAL}\nservice_down_time = ${INTERVAL * 6}\n` +
      `[temporal]\nserver = ${values.temporal}\n`,
  );
  Object.assign(process.env, {
    NOVAFLOW_DATA_DIR: scratch,
    NOVAFLOW_API_PORT: String(await freePort()),
    NOVAFLOW_CONFIG: join(scratch, 'bench.conf'),
    NOVAFLOW_LOG_LEVEL: 'warn',
  });
  const settings = loadSettings();
  const pprofPort = ON_POSTGRES ? await freePort() : undefined;
  const hosts = Array.from({ length: HOSTS }, (_, i) => `bench${i + 1}`);
  const started = Date.now();
  const cloud = await startLocalCloud({
    settings,
    postgresPort: await freePort(),
    temporalPort: await freePort(),
    temporalPprofPort: pprofPort,
    persistent: false,
    computeHosts: hosts,
    log,
  });
  const pool = new Pool({ connectionString: cloud.databaseUrl, max: 1 });
  const reports = async () =>
    (
      await pool.query<{ up: string; reports: string }>(
        `SELECT count(*) FILTER (WHERE last_seen_up > now() - interval '${INTERVAL * 2} seconds') AS up,
                coalesce(sum(report_count), 0) AS reports
           FROM services WHERE "binary" = 'nova-compute'`,
      )
    ).rows[0];
  try {
    for (;;) {
      const { up } = await reports().catch(() => ({ up: '0' }));
      if (Number(up) === HOSTS) break;
      if (Date.now() - started > 1_200_000) throw new Error(`only ${up} of ${HOSTS} hosts reported`);
      await sleep(1000);
    }
    log(`all ${HOSTS} hosts up after ${((Date.now() - started) / 1000).toFixed(0)} s`);
    // The reconciler creates each new host's power-sync Schedule, one after another: a start-up
    // cost, not the steady state this bench measures.
    const connection = await Connection.connect({ address: cloud.temporalAddress });
    const temporal = new Client({ connection, namespace: settings.env.temporalNamespace });
    for (;;) {
      const schedules = await powerSyncSchedules(temporal);
      if (schedules >= HOSTS) break;
      if (Date.now() - started > 1_200_000)
        throw new Error(`only ${schedules} of ${HOSTS} power-sync schedules`);
      await sleep(5000);
    }
    await connection.close();
    log(
      `every host's power-sync schedule after ${((Date.now() - started) / 1000).toFixed(0)} s; settling one interval`,
    );
    await sleep(INTERVAL * 1000);

    const before = { cpu: cpuByPart(scratch), reports: Number((await reports()).reports), at: Date.now() };
    const profile = pprofPort ? serverProfile(pprofPort, SECONDS, scratch) : undefined;
    await sleep(SECONDS * 1000);
    const top = await profile;
    const after = { cpu: cpuByPart(scratch), reports: Number((await reports()).reports), at: Date.now() };
    const wall = (after.at - before.at) / 1000;
    const recorded = after.reports - before.reports;
    // On a loaded machine the stack may record fewer reports than the hosts send: the CPU each
    // part spends per recorded report, times the reports 1,000 hosts send, is the figure to hold
    // against the budget.
    const rows = [...cpuSpent(before.cpu, after.cpu)]
      .sort((a, b) => b[1] - a[1])
      .map(([part, seconds]) => {
        const percent = (seconds / wall) * 100;
        const perReportMs = (seconds / recorded) * 1000;
        const projected = (perReportMs * TARGET_REPORTS_PER_SECOND) / 10;
        const budget = BUDGET[part];
        const verdict = budget === undefined ? '' : projected <= budget ? 'within' : 'OVER';
        return (
          `  ${part.padEnd(16)} ${percent.toFixed(1).padStart(6)} %  ${perReportMs.toFixed(2).padStart(7)} ms/report` +
          `  → ${projected.toFixed(1).padStart(6)} %   budget ${budget ?? '-'} %  ${verdict}`
        );
      });
    const processes = computeGroups(hosts).length;
    process.stdout.write(
      `\n${HOSTS} fake hosts in ${processes} processes, report_interval ${INTERVAL} s, on ${machine()}\n` +
        `reports recorded: ${(recorded / wall).toFixed(1)}/s (the hosts send ${(HOSTS / INTERVAL).toFixed(1)}/s)\n` +
        `CPU over ${wall.toFixed(0)} s: % of one core, per recorded report, and → at 1,000 hosts every 10 s ` +
        `(${TARGET_REPORTS_PER_SECOND} reports/s):\n${rows.join('\n')}\n` +
        (top ? `\nTemporal server CPU profile over the window (go tool pprof -top):\n${top}\n` : ''),
    );
  } finally {
    await pool.end();
    await cloud.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** How many power-sync Schedules there are (one per host once the reconciler has seen it). */
async function powerSyncSchedules(temporal: Client): Promise<number> {
  let count = 0;
  for await (const schedule of temporal.schedule.list()) {
    if (schedule.scheduleId.startsWith('power-sync-')) count++;
  }
  return count;
}

/**
 * The real server's CPU profile over `seconds` (Go's pprof endpoint), as its RPC handlers by
 * cumulative time and the functions with the most time of their own; undefined, with a warning,
 * where Go's pprof tool is not at hand.
 */
async function serverProfile(port: number, seconds: number, scratch: string): Promise<string | undefined> {
  const res = await fetch(`http://127.0.0.1:${port}/debug/pprof/profile?seconds=${seconds}`);
  const file = join(scratch, 'temporal-server.pprof');
  writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  // The handlers of the frontend, history and matching services: which calls the CPU goes to.
  const pprof = (...args: string[]) =>
    spawnSync('go', ['tool', 'pprof', '-top', '-nodecount=30', ...args, file], { encoding: 'utf8' });
  const handlers = pprof('-cum', String.raw`-show=service/\w+\.\(\*\w*[Hh]andler\)\.[A-Z]`);
  const flat = pprof('-flat');
  if (handlers.status !== 0) {
    log(`no server profile: go tool pprof: ${handlers.error ?? handlers.stderr.trim()}`);
    return undefined;
  }
  const table = (output: string) =>
    output
      .trim()
      .split('\n')
      .filter((line) => /^\s+[\d.]+(m?s)? /.test(line));
  return [...table(handlers.stdout), '', ...table(flat.stdout).slice(0, 15)].join('\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
