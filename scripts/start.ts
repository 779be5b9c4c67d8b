import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadSettings, type Settings } from '../common/config';
import { distDir } from '../common/paths';
import { connectTemporal, prepareNamespace } from '../common/temporal-connection';
import { writeCloudsYaml } from './clouds-yaml';
import { sleep } from './net';
import { reapStale, removePidFile, writePidFile } from './pidfile';
import { startEmbeddedPostgres } from './postgres';
import { prepareDatabase } from './prepare-database';
import { loadSecrets } from './secrets';
import { type ChildSpec, Supervisor } from './supervisor';
import { resolveTemporalCli } from './temporal-cli';
import { startTemporalDevServer } from './temporal-server';

const TEMPORAL_PORT = 7233;
const TEMPORAL_UI_PORT = 8233;
const EMBEDDED_PG_PORT = Number(process.env.NOVAFLOW_PG_PORT || 5433);

const say = (line: string) => process.stdout.write(`[supervisor] ${line}\n`);

/** What to undo on the way out, infrastructure first in, last out. */
const cleanups: (() => Promise<void>)[] = [];
let stopping = false;

async function stopAll(reason: string, exitCode: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say(`${reason}: stopping`);
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: Error) => say(error.message));
    say('stopped');
  }
  process.exit(exitCode);
}

function childSpecs(settings: Settings, sharedEnv: NodeJS.ProcessEnv, servicePassword: string): ChildSpec[] {
  const app = (name: string) => join(distDir(), 'apps', name, 'main.js');
  const computeHosts = Array.from({ length: settings.env.fakeHosts }, (_, i) => `compute${i + 1}`);
  return [
    { name: 'api', script: app('api'), env: sharedEnv },
    { name: 'conductor', script: app('conductor'), env: sharedEnv },
    ...computeHosts.map((host) => ({
      name: host,
      script: app('worker-compute'),
      args: ['--host', host],
      // Compute hosts get no database address at all, as in Nova.
      env: { ...sharedEnv, DATABASE_URL: undefined, NOVAFLOW_SERVICE_PASSWORD: servicePassword },
    })),
  ];
}

async function waitForHealth(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url)
      .then((res) => res.status === 200)
      .catch(() => false);
    if (ok) return true;
    await sleep(500);
  }
  return false;
}

/**
 * `npm start`: PostgreSQL (embedded unless DATABASE_URL), Temporal (a dev server unless
 * TEMPORAL_ADDRESS), migrations, then the API, the conductor and the fake compute hosts under a
 * supervisor. Ctrl-C or SIGTERM stops everything, infrastructure last.
 */
async function main() {
  const startedAt = Date.now();
  const settings = loadSettings();
  settings.warnings.forEach((warning) => say(`warning: ${warning}`));
  const { env } = settings;
  mkdirSync(env.dataDir, { recursive: true });
  const secrets = loadSecrets(env.dataDir);
  process.on('SIGINT', () => void stopAll('SIGINT', 0));
  process.on('SIGTERM', () => void stopAll('SIGTERM', 0));

  let databaseUrl = env.databaseUrl;
  if (!databaseUrl) {
    const pg = await startEmbeddedPostgres({
      dataDir: join(env.dataDir, 'pg'),
      port: EMBEDDED_PG_PORT,
      password: secrets.postgresPassword,
      persistent: true,
      detached: true,
    });
    cleanups.push(pg.stop);
    databaseUrl = pg.url;
    say(`PostgreSQL (embedded) on 127.0.0.1:${EMBEDDED_PG_PORT}, data in ${join(env.dataDir, 'pg')}`);
  }

  let temporalAddress = env.temporalAddress;
  let uiUrl: string | undefined;
  if (!temporalAddress) {
    const pidFile = join(env.dataDir, 'run', 'temporal.pid');
    await reapStale(pidFile, 'start-dev', say);
    const temporal = await startTemporalDevServer({
      cli: resolveTemporalCli(say),
      port: TEMPORAL_PORT,
      uiPort: TEMPORAL_UI_PORT,
      dbFile: join(env.dataDir, 'temporal.db'),
      logFile: join(env.dataDir, 'temporal.log'),
      detached: true,
    });
    writePidFile(pidFile, temporal.child.pid!);
    cleanups.push(async () => {
      await temporal.stop();
      removePidFile(pidFile);
    });
    temporalAddress = temporal.address;
    uiUrl = temporal.uiUrl;
    say(`Temporal dev server on ${temporalAddress}, history in ${join(env.dataDir, 'temporal.db')}`);
  }

  const connection = await connectTemporal(temporalAddress);
  await prepareNamespace(connection, env.temporalNamespace);
  await connection.close();
  const applied = await prepareDatabase(databaseUrl, {
    admin: secrets.adminPassword,
    demo: secrets.demoPassword,
    service: secrets.servicePassword,
  });
  if (applied.length) say(`database migrated: ${applied.join(', ')}`);

  const identityUrl = `${env.publicUrl}/identity/v3`;
  const cloudsYaml = join(env.dataDir, 'clouds.yaml');
  writeCloudsYaml(
    cloudsYaml,
    identityUrl,
    { username: 'admin', password: secrets.adminPassword, projectName: 'admin' },
    { username: 'demo', password: secrets.demoPassword, projectName: 'demo' },
  );

  const sharedEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: env.temporalNamespace,
    NOVAFLOW_ADMIN_PASSWORD: undefined,
    NOVAFLOW_DEMO_PASSWORD: undefined,
    NOVAFLOW_SERVICE_PASSWORD: undefined,
  };
  const supervisor = new Supervisor(childSpecs(settings, sharedEnv, secrets.servicePassword), say);
  cleanups.push(() => supervisor.stop());
  supervisor.start();

  const healthy = await waitForHealth(`${env.publicUrl}/healthz`, 60_000);
  if (stopping) return;
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  const workflowsUrl = uiUrl && `${uiUrl}/namespaces/${env.temporalNamespace}/workflows`;
  process.stdout.write(
    [
      '',
      healthy
        ? `Novaflow is up (${seconds} s).`
        : `Novaflow is not healthy yet; see ${env.publicUrl}/healthz`,
      `  API:              ${env.publicUrl}  (health: ${env.publicUrl}/healthz, docs: ${env.publicUrl}/docs)`,
      `  Temporal Web UI:  ${workflowsUrl ?? `your Temporal cluster at ${temporalAddress}`}`,
      `  Credentials:      ${cloudsYaml} (clouds novaflow-admin and novaflow-demo)`,
      `                    export OS_CLIENT_CONFIG_FILE=${cloudsYaml} OS_CLOUD=novaflow-demo`,
      '  Stop with Ctrl-C.',
      '',
    ].join('\n'),
  );
}

main().catch((error) => {
  process.stderr.write(
    `[supervisor] cannot start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  void stopAll('start-up failed', 1);
});
