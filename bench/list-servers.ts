import { Client } from 'pg';
import { parseArgs } from 'node:util';
import { machine, watch, withBenchStack } from './api';
import { loadSettings } from '../common/config';
import { cpuByPart, cpuSpent } from './process-cpu';
import { copyInstances } from './seed-servers';
import { percentile } from './stats';

/**
 * `npm run bench:list-servers -- --servers 1000 --runs 50`: boots one server through the API (a
 * port, addresses, metadata, tags, the default security group), copies its rows in SQL until the
 * project has that many, and times GET /servers/detail of all of them through the real API.
 */
const { values } = parseArgs({
  options: {
    servers: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '50' },
  },
});
const SERVERS = Number(values.servers);
const RUNS = Number(values.runs);
const GOAL_P50_MS = 50;

/** Copies the template server `count - 1` times: instance, metadata, tags, ports, addresses, groups. */
async function copyServer(db: Client, template: string, count: number): Promise<void> {
  await db.query('BEGIN');
  await copyInstances(db, template, count - 1);
  await db.query(
    `INSERT INTO instance_metadata (instance_uuid, key, value)
     SELECT c.uuid, m.key, m.value FROM copies c, instance_metadata m WHERE m.instance_uuid = $1`,
    [template],
  );
  await db.query(
    `INSERT INTO instance_tags (instance_uuid, tag)
     SELECT c.uuid, t.tag FROM copies c, instance_tags t WHERE t.instance_uuid = $1`,
    [template],
  );
  // Addresses come from a bench subnet of each family on the template's network, large enough.
  await db.query(
    `CREATE TEMP TABLE bench_subnets ON COMMIT DROP AS
       SELECT s.id AS template_id, gen_random_uuid() AS id,
              CASE s.ip_version WHEN 4 THEN '10.128.0.0/16'::cidr ELSE 'fd00:beef::/64'::cidr END AS cidr
         FROM subnets s WHERE s.id IN (SELECT a.subnet_id FROM ip_allocations a JOIN ports p ON p.id = a.port_id
                                        WHERE p.instance_uuid = $1)`,
    [template],
  );
  await db.query(
    `INSERT INTO subnets (id, network_id, name, project_id, ip_version, cidr)
     SELECT b.id, s.network_id, 'bench', s.project_id, s.ip_version, b.cidr
       FROM bench_subnets b JOIN subnets s ON s.id = b.template_id`,
  );
  await db.query(
    `CREATE TEMP TABLE port_copies ON COMMIT DROP AS
       SELECT c.g, c.uuid AS instance_uuid, p.id AS template_port, gen_random_uuid() AS id,
              row_number() OVER () AS n
         FROM copies c, ports p WHERE p.instance_uuid = $1`,
    [template],
  );
  const portColumns: { column_name: string }[] = (
    await db.query(
      `SELECT column_name FROM information_schema.columns
        WHERE table_name = 'ports' AND column_name NOT IN ('id', 'mac_address', 'device_id', 'instance_uuid', 'created_at', 'updated_at')`,
    )
  ).rows;
  await db.query(
    `INSERT INTO ports (id, mac_address, device_id, instance_uuid, ${portColumns.map((c) => `"${c.column_name}"`).join(', ')})
     SELECT pc.id, 'fa:17:' || to_char(pc.n / 65536 % 256, 'FM0x') || ':' || lpad(to_hex(pc.n / 256 % 256), 2, '0')
                   || ':' || lpad(to_hex(pc.n % 256), 2, '0') || ':00',
            pc.instance_uuid::text, pc.instance_uuid, ${portColumns.map((c) => `p."${c.column_name}"`).join(', ')}
       FROM port_copies pc JOIN ports p ON p.id = pc.template_port`,
  );
  await db.query(
    `INSERT INTO ip_allocations (port_id, subnet_id, ip_address)
     SELECT pc.id, b.id, host(network(b.cidr))::inet + pc.n
       FROM port_copies pc JOIN ip_allocations a ON a.port_id = pc.template_port
       JOIN bench_subnets b ON b.template_id = a.subnet_id`,
  );
  await db.query(
    `INSERT INTO security_group_port_bindings (port_id, security_group_id)
     SELECT pc.id, b.security_group_id FROM port_copies pc
       JOIN security_group_port_bindings b ON b.port_id = pc.template_port`,
  );
  await db.query('COMMIT');
  await db.query('ANALYZE');
}

async function main() {
  await withBenchStack(
    { hostCount: 1, config: '[quota]\ninstances = -1\ncores = -1\nram = -1\n', pollMs: 100 },
    async ({ cloud, api, imageId, scratch }) => {
      const created = await api.call('POST', '/compute/v2.1/servers', {
        server: {
          name: 'bench-0',
          imageRef: imageId,
          flavorRef: '1',
          networks: 'auto',
          metadata: { role: 'web', tier: 'frontend', owner: 'bench' },
        },
      });
      if (created.status !== 202)
        throw new Error(`boot: HTTP ${created.status} ${JSON.stringify(created.body)}`);
      const template = created.body.server.id;
      await watch(api, [template], (s) => s?.status === 'ACTIVE', 100);
      const tagged = await api.call('PUT', `/compute/v2.1/servers/${template}/tags`, {
        tags: ['bench', 'web'],
      });
      if (tagged.status !== 200) throw new Error(`tags: HTTP ${tagged.status}`);
      const db = new Client({ connectionString: cloud.databaseUrl });
      await db.connect();
      try {
        await copyServer(db, template, SERVERS);
      } finally {
        await db.end();
      }

      const path = `/compute/v2.1/servers/detail?limit=${SERVERS}`;
      const latencies: number[] = [];
      let bytes = 0;
      // The API's own CPU from its metrics (other stacks' APIs may share the machine), PostgreSQL's
      // from /proc (the backends of this stack's postmaster).
      const metricsUrl = `${loadSettings().env.publicUrl}/metrics`;
      const apiCpu = async () => {
        const page = await (await fetch(metricsUrl)).text();
        return Number(/^novaflow_api_process_cpu_seconds_total (\S+)$/m.exec(page)?.[1]);
      };
      let cpuBefore = cpuByPart(scratch);
      let apiBefore = 0;
      for (let run = 0; run < RUNS + 5; run++) {
        if (run === 5) [cpuBefore, apiBefore] = [cpuByPart(scratch), await apiCpu()];
        const started = process.hrtime.bigint();
        const res = await api.call('GET', path);
        const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
        if (res.status !== 200 || res.body.servers.length !== SERVERS)
          throw new Error(`list: HTTP ${res.status}, ${res.body.servers?.length} servers`);
        bytes = JSON.stringify(res.body).length;
        if (run >= 5) latencies.push(elapsed);
      }
      const [cpuAfter, apiAfter] = [cpuByPart(scratch), await apiCpu()];
      const apiCpuMs = ((apiAfter - apiBefore) * 1000) / RUNS;
      const pgCpuMs = ((cpuSpent(cpuBefore, cpuAfter).get('postgresql') ?? 0) * 1000) / RUNS;
      console.log(`\n## Listing: GET /servers/detail of ${SERVERS} servers, one page (${machine()})\n`);
      console.log('| figure | n | p50 ms | p90 ms | page | goal |\n|---|---|---|---|---|---|');
      console.log(
        `| GET /servers/detail?limit=${SERVERS} | ${RUNS} | ${percentile(latencies, 50).toFixed(1)} | ${percentile(latencies, 90).toFixed(1)} | ${(bytes / 2 ** 20).toFixed(2)} MiB | p50 ≤ ${GOAL_P50_MS} ms |`,
      );
      console.log(`\nCPU per request: API ${apiCpuMs.toFixed(1)} ms, PostgreSQL ${pgCpuMs.toFixed(1)} ms`);
    },
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
