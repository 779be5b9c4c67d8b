import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadSettings } from '../common/config';
import { GUEST_IMAGE_NAME } from './guest-image';
import { seedTinyLinux } from './seed/tiny-linux';
import { type LocalCloud, startLocalCloud } from './local-cloud';

const say = (line: string) => process.stdout.write(`[supervisor] ${line}\n`);

let cloud: LocalCloud | undefined;
let stopping = false;

async function stopAll(reason: string, exitCode: number): Promise<void> {
  // One Ctrl-C often arrives twice (from the terminal and forwarded by npm): exiting on the second
  // would orphan the detached infrastructure, so the first stop runs to its end. Every step of it
  // is bounded (children get SIGKILL after their grace period).
  if (stopping) return;
  stopping = true;
  say(`${reason}: stopping`);
  await cloud?.stop();
  say('stopped');
  process.exit(exitCode);
}

/**
 * `npm start [-- --hosts N]`: the whole system on embedded defaults (or on DATABASE_URL /
 * TEMPORAL_ADDRESS), with N (--hosts, else NOVAFLOW_FAKE_HOSTS, else 3) fake compute hosts
 * compute1..N in at most four worker processes and NOVAFLOW_LIBVIRT_HOSTS libvirt hosts
 * libvirt1..N (real guests under QEMU; the image tiny-linux is seeded for them). Ctrl-C or SIGTERM
 * stops everything.
 */
async function main() {
  const startedAt = Date.now();
  const settings = loadSettings();
  settings.warnings.forEach((warning) => say(`warning: ${warning}`));
  process.on('SIGINT', () => void stopAll('SIGINT', 0));
  process.on('SIGTERM', () => void stopAll('SIGTERM', 0));

  const { env } = settings;
  const fakeHosts =
    hostCount(parseArgs({ options: { hosts: { type: 'string' } } }).values.hosts) ?? env.fakeHosts;
  cloud = await startLocalCloud({
    settings,
    postgresPort: Number(process.env.NOVAFLOW_PG_PORT || 5433),
    temporalPort: 7233,
    temporalUiPort: 8233,
    metricsPortBase: Number(process.env.NOVAFLOW_METRICS_PORT_BASE || 9101),
    persistent: true,
    computeHosts: Array.from({ length: fakeHosts }, (_, i) => `compute${i + 1}`),
    libvirtHosts: Array.from({ length: env.libvirtHosts }, (_, i) => `libvirt${i + 1}`),
    log: say,
  });

  const healthy = await cloud.waitHealthy(60_000);
  if (stopping) return;
  if (healthy && env.libvirtHosts > 0) {
    const imageId = await seedTinyLinux(
      {
        publicUrl: env.publicUrl,
        username: 'admin',
        password: cloud.secrets.adminPassword,
        projectName: 'admin',
      },
      join(env.dataDir, 'guest-image'),
    );
    say(`image ${GUEST_IMAGE_NAME} (${imageId}) boots on the libvirt hosts`);
  }
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  const workflowsUrl =
    cloud.temporalUiUrl && `${cloud.temporalUiUrl}/namespaces/${env.temporalNamespace}/workflows`;
  process.stdout.write(
    [
      '',
      healthy
        ? `Novaflow is up (${seconds} s).`
        : `Novaflow is not healthy yet; see ${env.publicUrl}/healthz`,
      `  API:              ${env.publicUrl}  (health: ${env.publicUrl}/healthz, docs: ${env.publicUrl}/docs)`,
      `  Temporal Web UI:  ${workflowsUrl ?? `your Temporal cluster at ${cloud.temporalAddress}`}`,
      `  Metrics:          ${env.publicUrl}/metrics (API), ${Object.entries(cloud.metricsUrls)
        .map(([name, url]) => `${url} (${name})`)
        .join(', ')}`,
      `  Credentials:      ${cloud.cloudsYaml} (clouds novaflow-admin and novaflow-demo)`,
      `                    export OS_CLIENT_CONFIG_FILE=${cloud.cloudsYaml} OS_CLOUD=novaflow-demo`,
      '  Stop with Ctrl-C.',
      '',
    ].join('\n'),
  );
}

/** --hosts N: a whole number from 0 on; undefined when not given. */
function hostCount(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`--hosts must be a whole number, not ${JSON.stringify(value)}`);
  return Number(value);
}

main().catch((error) => {
  process.stderr.write(
    `[supervisor] cannot start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  void stopAll('start-up failed', 1);
});
