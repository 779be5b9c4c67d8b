import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { createDestinations } from '../activities/conductor/scheduler/destinations';
import { candidatesSql } from '../activities/conductor/scheduler/load-host-states';
import { parseConfig } from '../common/config';
import { createLogger } from '../common/logger';
import { type Instance } from '../entities';
import { log, machine } from './api';
import { percentile } from './stats';
import { loadComputeNodes, withBenchDatabase } from './scheduler-cloud';

/**
 * `npm run bench:scheduler -- --nodes 10000 --runs 200`: loads that many compute nodes (with
 * allocations, zones, aggregates) into an embedded PostgreSQL and times one scheduling decision,
 * the conductor's select-and-claim of a boot, each in a transaction rolled back after.
 */
const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '10000' },
    runs: { type: 'string', default: '200' },
  },
});
const NODES = Number(values.nodes);
const RUNS = Number(values.runs);
const GOAL_P50_MS = 10;

/** A boot of a 2 vCPU / 4 GiB / 40 GB flavor in no particular zone, as the conductor passes it. */
const bootOf = (): Instance =>
  ({
    uuid: randomUUID(),
    projectId: 'bench',
    flavor: {
      flavorid: '3',
      name: 'm1.medium',
      vcpus: 2,
      memoryMb: 4096,
      rootGb: 40,
      ephemeralGb: 0,
      swap: 0,
      extraSpecs: {},
    },
    requestSpec: { image: { id: randomUUID(), properties: {} }, networks: 'none' },
  }) as unknown as Instance;

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  Plans?: PlanNode[];
}

/** The plan's top node and, below it, how each table is read: "Sort ← Limit ← Nested Loop ← ...". */
function describePlan(plan: PlanNode): string {
  const scans: string[] = [];
  const walk = (node: PlanNode) => {
    if (node['Relation Name'])
      scans.push(
        `${node['Node Type']} on ${node['Relation Name']}${node['Index Name'] ? ` using ${node['Index Name']}` : ''}`,
      );
    node.Plans?.forEach(walk);
  };
  walk(plan);
  return `top node ${plan['Node Type']}; ${scans.join(', ')}`;
}

/** Rolls a transaction back after `work`, so that every run sees the same cloud. */
class Rollback extends Error {}

async function main() {
  await withBenchDatabase(async (dataSource) => {
    const loadStart = Date.now();
    await loadComputeNodes(dataSource, NODES);
    const [{ allocations }]: { allocations: number }[] = await dataSource.query(
      'SELECT count(*)::int AS allocations FROM allocations',
    );
    log(`loaded ${NODES} nodes and ${allocations} allocations in ${Date.now() - loadStart} ms`);

    // Hosts report every report_interval in a cloud; here the load's last_seen_up must last the run.
    const { config } = parseConfig('[DEFAULT]\nservice_down_time = 86400\n');
    const destinations = createDestinations({ config, logger: createLogger('bench') });
    const latencies: number[] = [];
    const cpuTimes: number[] = [];
    for (let run = 0; run < RUNS + 10; run++) {
      let elapsed = 0;
      await dataSource
        .transaction(async (db) => {
          const started = process.hrtime.bigint();
          const cpuBefore = process.cpuUsage();
          const schedule = await destinations.selectAndClaim(db, bootOf());
          elapsed = Number(process.hrtime.bigint() - started) / 1e6;
          const cpu = process.cpuUsage(cpuBefore);
          if (run >= 10) cpuTimes.push((cpu.user + cpu.system) / 1000);
          if (schedule === 'conflict' || schedule.destinations.length === 0)
            throw new Error(`no destination: ${JSON.stringify(schedule)}`);
          throw new Rollback();
        })
        .catch((error: unknown) => {
          if (!(error instanceof Rollback)) throw error;
        });
      // The first runs warm the pool's connections and the plans up.
      if (run >= 10) latencies.push(elapsed);
    }
    const [sql, parameters] = candidatesSql(config.DEFAULT.service_down_time, {
      resources: { vcpus: 2, memoryMb: 4096, diskGb: 40 },
      liveOnly: true,
      ignoreHosts: [],
      mostFreeRamFirst: true,
      limit: config.scheduler.max_placement_results,
    });
    const [
      {
        'QUERY PLAN': [explained],
      },
    ]: { 'QUERY PLAN': { Plan: PlanNode; 'Execution Time': number }[] }[] = await dataSource.query(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`,
      parameters,
    );
    if (process.env.BENCH_PLAN) log(JSON.stringify(explained, null, 1));
    console.log(`\n## Scheduler: one select-and-claim over ${NODES} compute nodes (${machine()})\n`);
    console.log('| figure | n | p50 ms | p90 ms | goal |\n|---|---|---|---|---|');
    console.log(
      `| select destinations + claim | ${RUNS} | ${percentile(latencies, 50).toFixed(1)} | ${percentile(latencies, 90).toFixed(1)} | p50 ≤ ${GOAL_P50_MS} ms |`,
    );
    console.log(
      `| its CPU in the conductor's process | ${RUNS} | ${percentile(cpuTimes, 50).toFixed(1)} | ${percentile(cpuTimes, 90).toFixed(1)} | |`,
    );
    console.log(
      `\ncandidate query: ${explained['Execution Time'].toFixed(1)} ms in PostgreSQL; plan: ${describePlan(explained.Plan)}`,
    );
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
