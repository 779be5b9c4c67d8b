import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client as PgClient } from 'pg';
import { type TemporalServerBinaries } from './temporal-cluster-install';
import { freeLowPort, freePort, isListening } from './net';
import { type RunningTemporal, runTemporalServer } from './temporal-server';

export interface TemporalClusterOptions extends TemporalServerBinaries {
  /** A PostgreSQL URL whose user may create databases; the cluster's own two live beside it. */
  databaseUrl: string;
  /** Its databases: `<name>` (history, tasks, namespaces) and `<name>_visibility`. */
  databaseName: string;
  /** The frontend's gRPC port on 127.0.0.1 (the other services take free ports). */
  port: number;
  /** Where the configuration goes (mode 0600: it holds the database password). */
  configDir: string;
  logFile: string;
  /** Runs in its own process group, so a terminal's Ctrl-C reaches the supervisor only. */
  detached?: boolean;
  /** Serves Go's profiles at http://127.0.0.1:<port>/debug/pprof/ (benchmarks only). */
  pprofPort?: number;
}

const READY_TIMEOUT_MS = 120_000;
const SCHEMAS = [
  { suffix: '', schema: 'postgresql/v12/temporal' },
  { suffix: '_visibility', schema: 'postgresql/v12/visibility' },
];

/**
 * Settings of the cluster's dynamic config, as the dev server gets them (scripts/temporal-server.ts):
 * search attributes usable as soon as they are added (prepareNamespace adds Novaflow's and the
 * first workflow uses them at once); long polls enough for a thousand hosts' queues; and one
 * partition per task queue, which on a single node saves forwarding between partitions.
 */
const DYNAMIC_CONFIG = `system.forceSearchAttributesCacheRefreshOnRead:
  - value: true
frontend.namespaceCount:
  - value: 20000
matching.numTaskqueueReadPartitions:
  - value: 1
matching.numTaskqueueWritePartitions:
  - value: 1
`;

/** Creates the cluster's databases if missing and brings both schemas to the release's latest. */
async function prepareSchemas(options: TemporalClusterOptions, logDir: string): Promise<void> {
  const url = new URL(options.databaseUrl);
  const pg = new PgClient({ connectionString: options.databaseUrl });
  await pg.connect();
  try {
    for (const { suffix } of SCHEMAS) {
      const name = `${options.databaseName}${suffix}`;
      const { rowCount } = await pg.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (!rowCount) await pg.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    }
  } finally {
    await pg.end();
  }
  // The password goes by the tool's environment variable, never on its command line.
  const env = { ...process.env, SQL_PASSWORD: decodeURIComponent(url.password) };
  for (const { suffix, schema } of SCHEMAS) {
    const common = [
      '--plugin',
      'postgres12',
      '--endpoint',
      url.hostname,
      '--port',
      url.port || '5432',
      '--user',
      decodeURIComponent(url.username),
      '--database',
      `${options.databaseName}${suffix}`,
    ];
    // setup-schema -v 0.0 makes the version tables (once); update-schema applies what is missing.
    for (const step of [
      ['setup-schema', '-v', '0.0'],
      ['update-schema', '--schema-name', schema],
    ]) {
      const result = spawnSync(options.sqlTool, [...common, ...step], { env, encoding: 'utf8' });
      writeFileSync(join(logDir, `sql-tool${suffix}-${step[0]}.log`), `${result.stdout}${result.stderr}`);
      if (result.status !== 0 && !/already exists/.test(`${result.stdout}${result.stderr}`)) {
        throw new Error(
          `temporal-sql-tool ${step[0]} of ${options.databaseName}${suffix} failed: ${result.stderr.trim()}`,
        );
      }
    }
  }
}

/** The server's configuration: one process with all four services, on PostgreSQL. */
async function clusterConfig(options: TemporalClusterOptions, dynamicConfigFile: string): Promise<string> {
  const url = new URL(options.databaseUrl);
  const store = (database: string, maxConns: number) => `      sql:
        pluginName: postgres12
        databaseName: ${JSON.stringify(database)}
        connectAddr: ${JSON.stringify(`${url.hostname}:${url.port || '5432'}`)}
        connectProtocol: tcp
        user: ${JSON.stringify(decodeURIComponent(url.username))}
        password: ${JSON.stringify(decodeURIComponent(url.password))}
        maxConns: ${maxConns}
        maxIdleConns: ${maxConns}
        maxConnLifetime: 1h`;
  const service = async (name: string, grpcPort: number, extra = '') => `  ${name}:
    rpc:
      grpcPort: ${grpcPort}
      membershipPort: ${await freeLowPort()}
      bindOnLocalHost: true${extra}`;
  return `log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 4
  datastores:
    default:
${store(options.databaseName, 20)}
    visibility:
${store(`${options.databaseName}_visibility`, 4)}
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1${options.pprofPort ? `\n  pprof:\n    port: ${options.pprofPort}\n    host: 127.0.0.1` : ''}
services:
${await service('frontend', options.port, `\n      httpPort: ${await freePort()}`)}
${await service('history', await freePort())}
${await service('matching', await freePort())}
${await service('worker', await freePort())}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: 127.0.0.1:${options.port}
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: ${JSON.stringify(dynamicConfigFile)}
  pollInterval: 10s
`;
}

/**
 * Starts the real Temporal server (frontend, history, matching and worker in one process) on
 * PostgreSQL, its schemas set up by its own temporal-sql-tool, and waits until its frontend serves
 * the system namespace. Callers register their namespace (prepareNamespace) as on any cluster.
 */
export async function startTemporalCluster(options: TemporalClusterOptions): Promise<RunningTemporal> {
  if (await isListening(options.port)) {
    throw new Error(
      `port ${options.port} on 127.0.0.1 is taken, so the Temporal server cannot start there. ` +
        'Stop what listens there, or set TEMPORAL_ADDRESS to use a running Temporal server.',
    );
  }
  mkdirSync(options.configDir, { recursive: true, mode: 0o700 });
  await prepareSchemas(options, options.configDir);
  const dynamicConfigFile = join(options.configDir, 'dynamic-config.yaml');
  writeFileSync(dynamicConfigFile, DYNAMIC_CONFIG);
  const configFile = join(options.configDir, 'temporal-server.yaml');
  writeFileSync(configFile, await clusterConfig(options, dynamicConfigFile), { mode: 0o600 });

  const running = await runTemporalServer(
    options.server,
    ['--config-file', configFile, '--allow-no-auth', 'start'],
    {
      what: 'the Temporal server',
      port: options.port,
      logFile: options.logFile,
      detached: options.detached,
      // Made by the server itself at its first start; Novaflow's own comes after (prepareNamespace).
      namespace: 'temporal-system',
      readyTimeoutMs: READY_TIMEOUT_MS,
      stopGraceMs: 20_000,
    },
  );
  return { ...running, uiUrl: undefined };
}
