import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, type Settings } from '../common/config';
import { distDir } from '../common/paths';
import { connectTemporal, prepareNamespace } from '../common/temporal-connection';
import { writeCloudsYaml } from './clouds-yaml';
import { type ComputeGroup, computeGroups } from './compute-groups';
import { sleep } from './net';
import { reapStale, removePidFile, writePidFile } from './pidfile';
import { startEmbeddedPostgres } from './postgres';
import { prepareDatabase } from './prepare-database';
import { libvirtHostLayout, writeLibvirtHostConfig } from './libvirt-daemon';
import { installLibvirt } from './libvirt-install';
import { loadSecrets, type Secrets } from './secrets';
import { type ChildSpec, Supervisor } from './supervisor';
import { resolveTemporalCli } from './temporal-cli';
import { startTemporalDevServer } from './temporal-server';
import { startTemporalCluster } from './temporal-cluster';
import { resolveTemporalServer, TEMPORAL_SERVER_VERSION } from './temporal-cluster-install';

export interface LocalCloudOptions {
  settings: Settings;
  /** Where the embedded PostgreSQL listens, when DATABASE_URL is not set. */
  postgresPort: number;
  /** Where the Temporal dev server listens, when TEMPORAL_ADDRESS is not set; no UI port runs it headless. */
  temporalPort: number;
  temporalUiPort?: number;
  /** The real server's Go profiles on this port ([temporal] server = postgres; benchmarks only). */
  temporalPprofPort?: number;
  /** Keep the embedded PostgreSQL's data when stopped (npm start) or not (benchmarks). */
  persistent: boolean;
  /** Names of the fake compute hosts, spread over a few worker processes (see computeGroups). */
  computeHosts: string[];
  /** Names of the libvirt compute hosts (real guests under QEMU), each with its own libvirtd. */
  libvirtHosts?: string[];
  /** The conductor serves /metrics on 127.0.0.1 at this port, each compute worker at the next ones; none: no worker metrics. */
  metricsPortBase?: number;
  log: (line: string) => void;
}

export interface LocalCloud {
  databaseUrl: string;
  temporalAddress: string;
  temporalUiUrl: string | undefined;
  cloudsYaml: string;
  secrets: Secrets;
  /** Where each worker process (conductor, compute hosts) serves /metrics, by name. */
  metricsUrls: Record<string, string>;
  /** Resolves once /healthz answers 200, false after the timeout. */
  waitHealthy(timeoutMs: number): Promise<boolean>;
  /** Stops everything it started, the infrastructure last. */
  stop(): Promise<void>;
}

/**
 * A whole Novaflow on this machine: PostgreSQL (embedded unless DATABASE_URL), Temporal (a dev
 * server unless TEMPORAL_ADDRESS), migrations and seeds, then the API, the conductor and fake
 * compute hosts as supervised child processes. `npm start` and the benchmarks run on it.
 */
export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const { settings, log } = options;
  const { env } = settings;
  mkdirSync(env.dataDir, { recursive: true });
  const secrets = loadSecrets(env.dataDir);
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.splice(0).reverse())
      await cleanup().catch((error: Error) => log(error.message));
  };

  try {
    let databaseUrl = env.databaseUrl;
    if (!databaseUrl) {
      const pg = await startEmbeddedPostgres({
        dataDir: join(env.dataDir, 'pg'),
        port: options.postgresPort,
        password: secrets.postgresPassword,
        persistent: options.persistent,
        detached: true,
        log,
      });
      cleanups.push(pg.stop);
      databaseUrl = pg.url;
      log(`PostgreSQL (embedded) on 127.0.0.1:${options.postgresPort}, data in ${join(env.dataDir, 'pg')}`);
    }

    let temporalAddress = env.temporalAddress;
    let temporalUiUrl: string | undefined;
    if (!temporalAddress) {
      if (env.temporalAccess.tls || env.temporalAccess.apiKey) {
        throw new ConfigError(
          'TEMPORAL_TLS* and TEMPORAL_API_KEY need TEMPORAL_ADDRESS: the local dev server speaks plain gRPC',
        );
      }
      const pidFile = join(env.dataDir, 'run', 'temporal.pid');
      const onPostgres = settings.config.temporal.server === 'postgres';
      await reapStale(pidFile, onPostgres ? 'temporal-server.yaml' : 'start-dev', log);
      const temporal = onPostgres
        ? await startTemporalCluster({
            ...(await resolveTemporalServer(log)),
            databaseUrl,
            databaseName: 'temporal',
            port: options.temporalPort,
            configDir: join(env.dataDir, 'temporal-server'),
            logFile: join(env.dataDir, 'temporal.log'),
            detached: true,
            pprofPort: options.temporalPprofPort,
          })
        : await startTemporalDevServer({
            cli: resolveTemporalCli(log),
            port: options.temporalPort,
            uiPort: options.temporalUiPort,
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
      temporalUiUrl = temporal.uiUrl;
      log(
        onPostgres
          ? `Temporal server ${TEMPORAL_SERVER_VERSION} on ${temporalAddress}, history in PostgreSQL (databases temporal, temporal_visibility)`
          : `Temporal dev server on ${temporalAddress}, history in ${join(env.dataDir, 'temporal.db')}`,
      );
    }

    const connection = await connectTemporal(temporalAddress, env.temporalAccess);
    await prepareNamespace(connection, env.temporalNamespace);
    await connection.close();
    const applied = await prepareDatabase(databaseUrl, {
      admin: secrets.adminPassword,
      demo: secrets.demoPassword,
      service: secrets.servicePassword,
    });
    if (applied.length) log(`database migrated: ${applied.join(', ')}`);

    const cloudsYaml = join(env.dataDir, 'clouds.yaml');
    writeCloudsYaml(
      cloudsYaml,
      `${env.publicUrl}/identity/v3`,
      { username: 'admin', password: secrets.adminPassword, projectName: 'admin' },
      { username: 'demo', password: secrets.demoPassword, projectName: 'demo' },
    );

    const sharedEnv: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: env.temporalNamespace,
      TEMPORAL_UI_URL: temporalUiUrl ?? env.temporalUiUrl,
      NOVAFLOW_ADMIN_PASSWORD: undefined,
      NOVAFLOW_DEMO_PASSWORD: undefined,
      NOVAFLOW_SERVICE_PASSWORD: undefined,
    };
    const libvirtHosts = options.libvirtHosts ?? [];
    if (libvirtHosts.length > 0) installLibvirt(log);
    const children = [
      ...childSpecs(options.computeHosts, sharedEnv, secrets.servicePassword),
      ...libvirtHostSpecs(libvirtHosts, env.dataDir, sharedEnv, secrets.servicePassword),
    ];
    const metricsUrls = assignMetricsPorts(children, options.metricsPortBase);
    const supervisor = new Supervisor(children, log);
    cleanups.push(() => supervisor.stop());
    supervisor.start();

    return {
      databaseUrl,
      temporalAddress,
      temporalUiUrl,
      cloudsYaml,
      secrets,
      metricsUrls,
      waitHealthy: (timeoutMs) => waitForHealth(`${env.publicUrl}/healthz`, timeoutMs),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Each libvirt host: its own libvirtd, then its compute worker with the libvirt driver on that daemon. */
function libvirtHostSpecs(
  hosts: string[],
  dataDir: string,
  sharedEnv: NodeJS.ProcessEnv,
  servicePassword: string,
): ChildSpec[] {
  return hosts.flatMap((host) => {
    const layout = libvirtHostLayout(dataDir, host);
    writeLibvirtHostConfig(dataDir, host);
    return [
      {
        name: `libvirtd-${host}`,
        script: join(distDir(), 'scripts', 'libvirt-daemon.js'),
        args: ['--data-dir', dataDir, '--host', host],
        env: { PATH: process.env.PATH },
      },
      {
        ...computeSpec({ name: host, hosts: [host] }, sharedEnv, servicePassword),
        args: ['--host', host, '--config-file', layout.computeConfig],
        startWhen: () => waitForFile(layout.socket, 60_000),
      },
    ];
  });
}

function computeSpec(group: ComputeGroup, sharedEnv: NodeJS.ProcessEnv, servicePassword: string): ChildSpec {
  return {
    name: group.name,
    script: join(distDir(), 'apps', 'worker-compute', 'main.js'),
    args: group.hosts.flatMap((host) => ['--host', host]),
    // Compute hosts get no database address at all, as in Nova.
    env: { ...sharedEnv, DATABASE_URL: undefined, NOVAFLOW_SERVICE_PASSWORD: servicePassword },
  };
}

async function waitForFile(path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path) && Date.now() < deadline) await sleep(200);
}

function childSpecs(
  computeHosts: string[],
  sharedEnv: NodeJS.ProcessEnv,
  servicePassword: string,
): ChildSpec[] {
  const app = (name: string) => join(distDir(), 'apps', name, 'main.js');
  return [
    { name: 'api', script: app('api'), env: sharedEnv },
    { name: 'conductor', script: app('conductor'), env: sharedEnv },
    ...computeGroups(computeHosts).map((group) => computeSpec(group, sharedEnv, servicePassword)),
  ];
}

/** Gives the conductor and each compute worker a /metrics port from `base` on; returns their URLs. */
function assignMetricsPorts(children: ChildSpec[], base: number | undefined): Record<string, string> {
  if (base === undefined) return {};
  const workers = children.filter((child) => /worker-compute|conductor/.test(child.script));
  return Object.fromEntries(
    workers.map((child, index) => {
      const address = `127.0.0.1:${base + index}`;
      child.env = { ...child.env, NOVAFLOW_METRICS_ADDRESS: address };
      return [child.name, `http://${address}/metrics`];
    }),
  );
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
