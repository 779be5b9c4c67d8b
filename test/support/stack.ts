import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client as TemporalClient, type Connection } from '@temporalio/client';
import { Pool } from 'pg';
import { distDir, projectRoot } from '../../common/paths';
import { connectTemporal, prepareNamespace } from '../../common/temporal-connection';
import { freePort, sleep } from '../../scripts/net';
import { createTestDatabase, dropTestDatabase } from './databases';
import { TEST_PASSWORDS } from './passwords';
import { libvirtHostLayout } from '../../scripts/libvirt-daemon';
import { startLibvirtDaemon } from './libvirt';
import { TestProcess } from './processes';

/**
 * Settings every test stack starts from: a report every second, and a host down after twenty
 * without one. The margin is wide on purpose: on a loaded machine a report can take seconds to be
 * recorded, and a host seen down by mistake fails whatever the test was about.
 */
const TEST_CONFIG = `
[DEFAULT]
report_interval = 1
service_down_time = 20
`;

export interface TestStackOptions {
  /** nova.conf text appended to the test defaults (later options win). */
  config?: string;
  /** Compute hosts to start, each in its own process. */
  computeHosts?: string[];
  /** Whether to run the API (default true) and the conductor (default true). */
  api?: boolean;
  conductor?: boolean;
  /** Whether the conductor and the compute workers serve /metrics (each on a free port). */
  metrics?: boolean;
  /** Further environment of every process (an OTLP endpoint, say). */
  env?: Record<string, string>;
  /** A Temporal server and a PostgreSQL of the test's own instead of the run's shared ones. */
  temporalAddress?: string;
  databaseServerUrl?: string;
}

/**
 * Novaflow's processes for one test file, each a real child process, on the run's shared Temporal
 * server and PostgreSQL but with a namespace and a database of their own.
 */
export class TestStack {
  readonly processes = new Map<string, TestProcess>();
  /** Further arguments of a compute host's worker (a libvirt host's --config-file). */
  private readonly computeArgs = new Map<string, string[]>();
  /** Where a worker process serves /metrics, by process name, when the stack was asked for them. */
  readonly metricsAddresses = new Map<string, string>();
  private connection: Connection | undefined;
  private pool: Pool | undefined;

  private constructor(
    readonly id: string,
    private readonly databaseServerUrl: string,
    readonly temporalAddress: string,
    readonly databaseUrl: string,
    private readonly databaseName: string,
    readonly namespace: string,
    readonly apiPort: number,
    private readonly configFile: string,
    /** A scratch folder of this stack: config, logs, clouds.yaml. */
    readonly workDir: string,
    private readonly extraEnv: Record<string, string> = {},
  ) {}

  static async start(options: TestStackOptions = {}): Promise<TestStack> {
    const id = randomBytes(4).toString('hex');
    const serverUrl = options.databaseServerUrl ?? process.env.DATABASE_URL!;
    const temporalAddress = options.temporalAddress ?? process.env.TEMPORAL_ADDRESS!;
    const workDir = join(
      process.env.NOVAFLOW_TEST_SCRATCH ?? join(projectRoot(), '.data', 'test'),
      `stack-${id}`,
    );
    mkdirSync(workDir, { recursive: true });
    const configFile = join(workDir, 'novaflow.conf');
    writeFileSync(configFile, `${TEST_CONFIG}\n${options.config ?? ''}`);
    const database = await createTestDatabase(serverUrl);
    const namespace = `test-${id}`;
    const connection = await connectTemporal(temporalAddress);
    await prepareNamespace(connection, namespace);

    const stack = new TestStack(
      id,
      serverUrl,
      temporalAddress,
      database.url,
      database.name,
      namespace,
      await freePort(),
      configFile,
      workDir,
      options.env,
    );
    stack.connection = connection;
    if (options.metrics) {
      for (const name of ['conductor', ...(options.computeHosts ?? [])])
        stack.metricsAddresses.set(name, `127.0.0.1:${await freePort()}`);
    }
    if (options.conductor !== false) stack.startProcess('conductor', 'conductor');
    if (options.api !== false) stack.startProcess('api', 'api');
    for (const host of options.computeHosts ?? []) stack.startCompute(host);
    return stack;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  /** The environment of process `name`: the stack's, and its /metrics address when it has one. */
  private env(name?: string): NodeJS.ProcessEnv {
    return {
      ...(name &&
        this.metricsAddresses.has(name) && { NOVAFLOW_METRICS_ADDRESS: this.metricsAddresses.get(name) }),
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: this.databaseUrl,
      TEMPORAL_ADDRESS: this.temporalAddress,
      TEMPORAL_NAMESPACE: this.namespace,
      TEMPORAL_UI_URL: process.env.TEMPORAL_UI_URL,
      NOVAFLOW_CONFIG: this.configFile,
      NOVAFLOW_DATA_DIR: this.workDir,
      NOVAFLOW_API_PORT: String(this.apiPort),
      NOVAFLOW_LOG_LEVEL: 'debug',
      ...this.extraEnv,
    };
  }

  private startProcess(name: string, app: string, args: string[] = [], env = this.env(name)): TestProcess {
    const script = join(distDir(), 'apps', app, 'main.js');
    const started = TestProcess.start(name, script, args, env, join(this.workDir, `${name}.log`));
    this.processes.set(name, started);
    return started;
  }

  /** Another API process (`name`) on this stack's database, on a port of its own; returns its URL. */
  async startExtraApi(name: string): Promise<string> {
    const port = await freePort();
    this.startProcess(name, 'api', [], { ...this.env(name), NOVAFLOW_API_PORT: String(port) });
    return `http://127.0.0.1:${port}`;
  }

  /** A compute host in its own process, which has no database address and cannot load a driver. */
  startCompute(host: string): TestProcess {
    return this.startComputeProcess(host, [host], this.computeArgs.get(host));
  }

  /** One compute worker process `name` serving every host of `hosts`, as the local cloud runs fake hosts. */
  startComputeProcess(name: string, hosts: string[], extraArgs: string[] = []): TestProcess {
    const env: NodeJS.ProcessEnv = {
      ...this.env(name),
      DATABASE_URL: undefined,
      NOVAFLOW_SERVICE_PASSWORD: TEST_PASSWORDS.service,
      NODE_OPTIONS: `--require ${join(projectRoot(), 'test', 'support', 'forbid-database-modules.js')}`,
    };
    const args = [...hosts.flatMap((host) => ['--host', host]), ...extraArgs];
    return this.startProcess(name, 'worker-compute', args, env);
  }

  /**
   * A libvirt host as the local cloud runs one: its own libvirtd (process `libvirtd-<host>`),
   * then its compute worker with the libvirt driver on that daemon.
   */
  async startLibvirtCompute(host: string): Promise<TestProcess> {
    const daemon = await startLibvirtDaemon(this.workDir, host);
    this.processes.set(daemon.name, daemon);
    this.computeArgs.set(host, ['--config-file', libvirtHostLayout(this.workDir, host).computeConfig]);
    return this.startCompute(host);
  }

  /**
   * Stops a process the way an operator would (or kills it, as a crash would) and starts it
   * again with the same settings, plus `env` (e.g. a test-only NOVAFLOW_CRASH_AT).
   */
  async restart(
    name: 'api' | 'conductor',
    options: { kill?: boolean; env?: NodeJS.ProcessEnv } = {},
  ): Promise<TestProcess> {
    const running = this.process(name);
    await (options.kill ? running.kill() : running.stop());
    return this.start(name, options.env);
  }

  /** Starts the API or the conductor again after a test stopped it. */
  start(name: 'api' | 'conductor', env: NodeJS.ProcessEnv = {}): TestProcess {
    return this.startProcess(name, name, [], { ...this.env(name), ...env });
  }

  /** Kills a compute host's worker (as a crash would, with `kill`) and starts it again. */
  async restartCompute(host: string, options: { kill?: boolean } = {}): Promise<TestProcess> {
    const running = this.process(host);
    await (options.kill ? running.kill() : running.stop());
    return this.startCompute(host);
  }

  process(name: string): TestProcess {
    const found = this.processes.get(name);
    if (!found) throw new Error(`no process ${name} in this stack`);
    return found;
  }

  temporal(): TemporalClient {
    return new TemporalClient({ connection: this.connection!, namespace: this.namespace });
  }

  /** Runs SQL on this stack's database, to check what the system recorded. */
  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    if (!this.pool) {
      this.pool = new Pool({ connectionString: this.databaseUrl, max: 2 });
      // A database killed under the test (the kill matrix) breaks idle connections: the pool replaces them.
      this.pool.on('error', () => undefined);
    }
    return (await this.pool.query(sql, params)).rows as T[];
  }

  async health(): Promise<{ status: number; body: HealthBody }> {
    const res = await fetch(`${this.apiUrl}/healthz`);
    return { status: res.status, body: (await res.json()) as HealthBody };
  }

  /** Waits until the API answers HTTP at all (what tests without compute hosts need). */
  async waitForApi(timeoutMs = 60_000): Promise<void> {
    await waitFor(
      async () => (await this.health().catch(() => undefined)) !== undefined,
      timeoutMs,
      'the API',
    );
  }

  /** Waits until /healthz answers 200 (every part reachable). */
  /** Generous: on a loaded machine a stack's processes can take a minute and more to start. */
  async waitHealthy(timeoutMs = 180_000): Promise<void> {
    await waitFor(
      async () => (await this.health().catch(() => undefined))?.status === 200,
      timeoutMs,
      'healthy API',
    );
  }

  async stop(): Promise<void> {
    await Promise.all([...this.processes.values()].map((child) => child.stop()));
    await this.pool?.end();
    await this.connection?.close();
    await dropTestDatabase(this.databaseServerUrl, this.databaseName);
  }
}

export interface HealthBody {
  status: string;
  checks: Record<string, { status: string; up?: string[]; down?: string[]; [key: string]: unknown }>;
}

/** Polls `check` until it holds; fails with `what` when it does not within the timeout. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}
