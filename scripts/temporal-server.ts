import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../common/task-queues';
import { isListening, sleep } from './net';

export interface TemporalServerOptions {
  cli: string;
  port: number;
  /** Web UI port; undefined runs the server headless (tests). */
  uiPort?: number;
  /** SQLite file to persist to; undefined keeps everything in memory (tests). */
  dbFile?: string;
  /** Where the server's own log goes. */
  logFile: string;
  /** Runs in its own process group, so a terminal's Ctrl-C reaches the supervisor only. */
  detached?: boolean;
}

export interface RunningTemporal {
  address: string;
  uiUrl: string | undefined;
  child: ChildProcess;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;
/** The dev server's cap on concurrent long polls per namespace (frontend.namespaceCount). */
const MAX_NAMESPACE_LONG_POLLS = 20_000;

/**
 * Starts `temporal server start-dev` on 127.0.0.1 with Novaflow's search attributes and waits
 * until its frontend answers. WAL mode makes the SQLite file about twice as fast.
 */
export async function startTemporalDevServer(options: TemporalServerOptions): Promise<RunningTemporal> {
  if (await isListening(options.port)) {
    throw new Error(
      `port ${options.port} on 127.0.0.1 is taken, so a Temporal dev server cannot start there. ` +
        'Stop what listens there, or set TEMPORAL_ADDRESS to use a running Temporal server.',
    );
  }
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--log-level',
    'warn',
  ];
  args.push(
    ...(options.uiPort ? ['--ui-port', String(options.uiPort), '--ui-disable-news-fetch'] : ['--headless']),
  );
  if (options.dbFile) {
    mkdirSync(dirname(options.dbFile), { recursive: true });
    args.push('--db-filename', options.dbFile);
  }
  args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  for (const key of Object.values(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${key.name}=Keyword`);
  // Every compute host holds a long poll on its queue, and a starting host waits on its startup
  // report: the frontend's default cap of 1,200 concurrent long polls per namespace is too few for
  // a thousand fake hosts (a cluster serving that many needs the same setting).
  args.push('--dynamic-config-value', `frontend.namespaceCount=${MAX_NAMESPACE_LONG_POLLS}`);
  // One partition per task queue, not four: on one node partitions add nothing but load, and a
  // thousand host queues of four partitions each swamped the SQLite store with queue bookkeeping.
  for (const key of ['matching.numTaskqueueReadPartitions', 'matching.numTaskqueueWritePartitions'])
    args.push('--dynamic-config-value', `${key}=1`);

  const running = await runTemporalServer(options.cli, args, {
    what: 'the Temporal dev server',
    port: options.port,
    logFile: options.logFile,
    detached: options.detached,
    namespace: 'default',
    readyTimeoutMs: READY_TIMEOUT_MS,
    stopGraceMs: 10_000,
  });
  return { ...running, uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : undefined };
}

/**
 * Spawns a Temporal server on 127.0.0.1 (its output to `logFile`) and resolves once its frontend
 * serves `namespace`: the dev server's and the cluster's common start.
 */
export async function runTemporalServer(
  command: string,
  args: string[],
  options: {
    /** How errors name it: "the Temporal dev server". */
    what: string;
    /** Its frontend's port on 127.0.0.1. */
    port: number;
    logFile: string;
    detached?: boolean;
    /** A namespace it serves once ready. */
    namespace: string;
    readyTimeoutMs: number;
    /** How long stop() waits after SIGTERM before SIGKILL. */
    stopGraceMs: number;
  },
): Promise<Omit<RunningTemporal, 'uiUrl'>> {
  const { port } = options;
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log = createWriteStream(options.logFile, { flags: 'a' });
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: options.detached });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = `exited with ${signal ?? `code ${code}`}`));

  const address = `127.0.0.1:${port}`;
  const deadline = Date.now() + options.readyTimeoutMs;
  for (;;) {
    if (exited) throw new Error(`${options.what} ${exited}; see ${options.logFile}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `${options.what} did not answer within ${options.readyTimeoutMs / 1000} s; see ${options.logFile}`,
      );
    }
    if (await isListening(port)) {
      const connection = await Connection.connect({ address, connectTimeout: 2000 }).catch(() => undefined);
      const ready = await connection?.workflowService
        .describeNamespace({ namespace: options.namespace })
        .then(() => true)
        .catch(() => false);
      await connection?.close();
      if (ready) break;
    }
    await sleep(200);
  }
  return { address, child, stop: () => stopChild(child, options.stopGraceMs) };
}

/** SIGTERM, then SIGKILL after 10 s. */
export function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
