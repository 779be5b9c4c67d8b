import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/net';
import { startEmbeddedPostgres } from '../../scripts/postgres';
import { resolveTemporalCli } from '../../scripts/temporal-cli';
import { startTemporalDevServer } from '../../scripts/temporal-server';
import { startTemporalCluster } from '../../scripts/temporal-cluster';
import { resolveTemporalServer } from '../../scripts/temporal-cluster-install';
import { createTemplateDatabase } from './databases';
import { provideLibvirt } from './libvirt';
import { provideOpenstackCli } from './openstack-cli';
import { provideAptPackages } from './apt-packages';
import { CHROMIUM_MISSING } from './browser';

declare global {
  var novaflowTestTeardown: (() => Promise<void>)[] | undefined;
}

/**
 * Once per test run: one PostgreSQL (embedded, ephemeral) and one Temporal dev server (in memory),
 * or with NOVAFLOW_TEST_TEMPORAL=postgres the real Temporal server on that PostgreSQL, unless
 * DATABASE_URL / TEMPORAL_ADDRESS name existing ones, and a template database migrated and
 * seeded once, which every test file copies (CREATE DATABASE ... TEMPLATE); and the openstack CLI
 * of the e2e tests and libvirt with the tiny guest image, installed here once rather than by each
 * test file (parallel apt-gets collide).
 */
export default async function globalSetup(): Promise<void> {
  const teardown: (() => Promise<void>)[] = [];
  globalThis.novaflowTestTeardown = teardown;
  const log = (line: string) => process.stdout.write(`${line}\n`);
  // Installing takes a while on a fresh machine: it runs while the servers start.
  const openstackCli = provideOpenstackCli(log);
  // One after the other: scripts/apt-install.sh runs one apt-get at a time anyway.
  const aptPackages = provideAptPackages(['tempest'], 'NOVAFLOW_TEST_TEMPEST_MISSING', log).then(() =>
    provideAptPackages(['chromium'], CHROMIUM_MISSING, log),
  );
  const scratch = mkdtempSync(join(tmpdir(), 'novaflow-test-'));
  // The embedded PostgreSQL may run as the `postgres` user, which must reach its data directory.
  chmodSync(scratch, 0o755);

  if (!process.env.DATABASE_URL) {
    const postgres = await startEmbeddedPostgres({
      dataDir: join(scratch, 'pg'),
      port: await freePort(),
      password: 'novaflow-test',
      persistent: false,
      log,
    });
    teardown.push(postgres.stop);
    process.env.DATABASE_URL = postgres.url;
  }

  if (!process.env.TEMPORAL_ADDRESS) {
    const temporal =
      process.env.NOVAFLOW_TEST_TEMPORAL === 'postgres'
        ? // `npm run test:cluster`: the real Temporal server, its store beside the tests' databases.
          await startTemporalCluster({
            ...(await resolveTemporalServer(log)),
            databaseUrl: process.env.DATABASE_URL!,
            databaseName: 'temporal',
            port: await freePort(),
            configDir: join(scratch, 'temporal-server'),
            logFile: join(scratch, 'temporal.log'),
          })
        : await startTemporalDevServer({
            cli: resolveTemporalCli(log),
            port: await freePort(),
            // The Web UI too: instance actions link to it, and the browser test finds workflows in it.
            uiPort: await freePort(),
            logFile: join(scratch, 'temporal.log'),
          });
    teardown.push(temporal.stop);
    process.env.TEMPORAL_ADDRESS = temporal.address;
    if (temporal.uiUrl) process.env.TEMPORAL_UI_URL = temporal.uiUrl;
  }

  await createTemplateDatabase(process.env.DATABASE_URL);
  process.env.NOVAFLOW_TEST_SCRATCH = scratch;
  await provideLibvirt(scratch, log);
  const { reason } = await openstackCli;
  await aptPackages;
  const missing = [
    ...(process.env.NOVAFLOW_TEST_TEMPEST_MISSING
      ? [`the Tempest run: ${process.env.NOVAFLOW_TEST_TEMPEST_MISSING}`]
      : []),
    ...(reason ? [`the openstack CLI e2e tests: ${reason}`] : []),
    ...(process.env[CHROMIUM_MISSING] ? [`the Web UI browser test: ${process.env[CHROMIUM_MISSING]}`] : []),
    ...(process.env.NOVAFLOW_TEST_LIBVIRT_MISSING
      ? [`the libvirt tests: ${process.env.NOVAFLOW_TEST_LIBVIRT_MISSING}`]
      : []),
  ];
  // CI (.ci/run) sets NOVAFLOW_TEST_REQUIRE_ALL: there a test that would be skipped fails the run.
  if (missing.length > 0 && process.env.NOVAFLOW_TEST_REQUIRE_ALL) {
    for (const stop of teardown.reverse()) await stop();
    throw new Error(`NOVAFLOW_TEST_REQUIRE_ALL is set, but these would be skipped: ${missing.join('; ')}`);
  }
  for (const line of missing) log(`skipping ${line}`);
}
