import { fork } from 'node:child_process';
import { join } from 'node:path';
import { distDir } from '../common/paths';
import { isListening } from './net';
import { stopChild } from './temporal-server';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  password: string;
  /** Keep the data directory when stopped (`npm start`) or delete it (tests). */
  persistent: boolean;
  /** Own process group, so a terminal's Ctrl-C reaches the supervisor only. */
  detached?: boolean;
  /** Where a line goes when the cluster or the binaries had to move (see postgres-placement.ts). */
  log?: (line: string) => void;
}

/** What postgres-main.ts tells its parent over IPC. */
export type PostgresMessage = { ready: true } | { note: string } | { error: string };

export interface RunningPostgres {
  url: string;
  /** The process that owns the cluster (postgres-main.ts), not the postmaster. */
  pid: number;
  stop(): Promise<void>;
}

/** Starts an embedded PostgreSQL in a child process and resolves once it accepts connections. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  if (await isListening(options.port)) {
    throw new Error(
      `port ${options.port} on 127.0.0.1 is taken, so the embedded PostgreSQL cannot start there. ` +
        'Stop what listens there, set NOVAFLOW_PG_PORT, or set DATABASE_URL to use a running PostgreSQL.',
    );
  }
  const child = fork(
    join(distDir(), 'scripts', 'postgres-main.js'),
    [options.dataDir, String(options.port), options.persistent ? 'persist' : 'ephemeral'],
    // initdb and postgres inherit the working directory, which their user must be able to enter.
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], detached: options.detached, cwd: '/' },
  );
  // Over IPC, not argv: a command line is every local user's to read.
  child.send({ password: options.password });
  let failure: string | undefined;
  await new Promise<void>((resolve, reject) => {
    child.on('message', (message: PostgresMessage) => {
      if ('note' in message) options.log?.(message.note);
      else if ('error' in message) failure = message.error;
      else resolve();
    });
    child.once('exit', (code) =>
      reject(
        new Error(
          failure
            ? `embedded PostgreSQL failed to start: ${failure}`
            : `embedded PostgreSQL exited with code ${code} before it was ready`,
        ),
      ),
    );
  });
  child.removeAllListeners('exit');
  child.removeAllListeners('message');
  return {
    url: `postgres://novaflow:${encodeURIComponent(options.password)}@127.0.0.1:${options.port}/novaflow`,
    pid: child.pid!,
    stop: () => stopChild(child, 20_000),
  };
}
