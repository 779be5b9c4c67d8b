import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, sleep } from '../../scripts/net';
import { alive } from '../../scripts/pidfile';
import { type RunningPostgres, startEmbeddedPostgres } from '../../scripts/postgres';
import { resolveTemporalCli } from '../../scripts/temporal-cli';
import { type RunningTemporal, startTemporalDevServer } from '../../scripts/temporal-server';
import { createTemplateDatabase } from './databases';

const PASSWORD = 'novaflow-own-backends';

/**
 * SIGKILL to `pid` and every process under it, as a machine's crash would. The process is stopped
 * first, so that it forks nothing new (a postmaster starting a backend) while its children are
 * listed and killed.
 */
function killTree(pid: number): void {
  try {
    process.kill(pid, 'SIGSTOP');
  } catch {
    return; // Gone already.
  }
  let children: number[] = [];
  try {
    children = execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    // pgrep exits 1 when there are none.
  }
  children.forEach(killTree);
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // It ended meanwhile.
  }
}

async function waitGone(pid: number): Promise<void> {
  while (alive(pid)) await sleep(50);
}

/**
 * A Temporal dev server and an embedded PostgreSQL of one test's own, both keeping their data on
 * disk (a SQLite file, a data directory), so that the test can kill either with SIGKILL and start
 * it again on the same port with everything it had committed: the run's shared servers, which
 * other test files use at the same time, are never touched.
 */
export class OwnBackends {
  private temporal?: RunningTemporal;
  private postgres?: RunningPostgres;

  private constructor(
    private readonly dir: string,
    private readonly temporalPort: number,
    private readonly postgresPort: number,
  ) {}

  static async start(dir: string): Promise<OwnBackends> {
    mkdirSync(dir, { recursive: true });
    const backends = new OwnBackends(dir, await freePort(), await freePort());
    await backends.startTemporal();
    await backends.startPostgres();
    await createTemplateDatabase(backends.databaseServerUrl);
    return backends;
  }

  get temporalAddress(): string {
    return `127.0.0.1:${this.temporalPort}`;
  }

  get databaseServerUrl(): string {
    return `postgres://novaflow:${PASSWORD}@127.0.0.1:${this.postgresPort}/novaflow`;
  }

  async startTemporal(): Promise<void> {
    this.temporal = await startTemporalDevServer({
      cli: resolveTemporalCli(() => undefined),
      port: this.temporalPort,
      dbFile: join(this.dir, 'temporal.db'),
      logFile: join(this.dir, 'temporal.log'),
    });
  }

  async killTemporal(): Promise<void> {
    const pid = this.temporal!.child.pid!;
    killTree(pid);
    await waitGone(pid);
  }

  async startPostgres(): Promise<void> {
    this.postgres = await startEmbeddedPostgres({
      dataDir: join(this.dir, 'pg'),
      port: this.postgresPort,
      password: PASSWORD,
      persistent: true,
    });
  }

  /** The postmaster and its backends, then the process that started them. */
  async killPostgres(): Promise<void> {
    const postmaster = Number(readFileSync(join(this.dir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    killTree(postmaster);
    await waitGone(postmaster);
    killTree(this.postgres!.pid);
    await waitGone(this.postgres!.pid);
  }

  async stop(): Promise<void> {
    await this.temporal?.stop();
    await this.postgres?.stop();
  }
}
