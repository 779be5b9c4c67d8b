import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadSettings } from '../../common/config';
import { freePort } from '../../scripts/net';
import { type LocalCloud, startLocalCloud } from '../../scripts/local-cloud';
import { ApiClient } from '../support/api-client';

/** Every process descending from `root`, with its command line and environment (as /proc has them). */
function descendants(root: number): { pid: number; argv: string[]; environ: string }[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const isDescendant = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === root) return true;
    return false;
  };
  return [...parents.keys()].filter(isDescendant).flatMap((pid) => {
    try {
      return [
        {
          pid,
          argv: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'),
          environ: readFileSync(`/proc/${pid}/environ`, 'utf8'),
        },
      ];
    } catch {
      return [];
    }
  });
}

/**
 * `npm start`'s own start-up (scripts/local-cloud.ts with its embedded PostgreSQL): no password
 * on any command line of what it runs, its secrets files 0600, and compute hosts holding only
 * their service credential.
 */
describe('the local cloud keeps its secrets', () => {
  let cloud: LocalCloud;
  let dataDir: string;
  let apiUrl: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'novaflow-secrets-'));
    // The embedded PostgreSQL may run as the `postgres` user, which must reach its data directory.
    chmodSync(dataDir, 0o755);
    const apiPort = await freePort();
    writeFileSync(join(dataDir, 'novaflow.conf'), '[DEFAULT]\nreport_interval = 1\n');
    // The children take the supervisor's environment: this test file's own (jest gives each its copy).
    Object.assign(process.env, {
      NOVAFLOW_DATA_DIR: dataDir,
      NOVAFLOW_API_PORT: String(apiPort),
      NOVAFLOW_CONFIG: join(dataDir, 'novaflow.conf'),
      TEMPORAL_NAMESPACE: `test-secrets-${randomBytes(4).toString('hex')}`,
      NOVAFLOW_LOG_LEVEL: 'warn',
    });
    delete process.env.DATABASE_URL;
    delete process.env.NOVAFLOW_PUBLIC_URL;
    const settings = loadSettings();
    apiUrl = settings.env.publicUrl;
    cloud = await startLocalCloud({
      settings,
      postgresPort: await freePort(),
      temporalPort: await freePort(),
      persistent: false,
      computeHosts: ['secret-host'],
      log: () => undefined,
    });
    expect(await cloud.waitHealthy(120_000)).toBe(true);
  });

  afterAll(async () => {
    await cloud?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('puts no password on the command line of any process it started', () => {
    const secrets = Object.values(cloud.secrets);
    const processes = descendants(process.pid);
    const scripts = processes.map((each) => each.argv.find((arg) => arg.endsWith('.js')) ?? each.argv[0]);
    // What the test looks at: PostgreSQL's owner and servers, the API, the conductor, the host.
    for (const expected of [
      'postgres-main.js',
      'apps/api/main.js',
      'apps/conductor/main.js',
      'worker-compute/main.js',
    ])
      expect(scripts.some((script) => script.endsWith(expected))).toBe(true);
    expect(processes.some((each) => /(^|\/)postgres$/.test(each.argv[0]))).toBe(true);
    for (const each of processes) {
      for (const secret of secrets)
        expect({ argv: each.argv, has: each.argv.join(' ').includes(secret) }).toEqual({
          argv: each.argv,
          has: false,
        });
    }
  });

  it('gives compute hosts their service password and nothing of the database', () => {
    const host = descendants(process.pid).find((each) =>
      each.argv.some((arg) => arg.endsWith('worker-compute/main.js')),
    )!;
    expect(host.environ).toContain(`NOVAFLOW_SERVICE_PASSWORD=${cloud.secrets.servicePassword}`);
    expect(host.environ).not.toContain(cloud.secrets.postgresPassword);
    expect(host.environ).not.toContain(cloud.secrets.adminPassword);
    expect(host.environ).not.toContain('DATABASE_URL=');
  });

  it('keeps secrets.json and clouds.yaml readable by their owner only', () => {
    for (const file of ['secrets.json', 'clouds.yaml'])
      expect({ file, mode: (statSync(join(dataDir, file)).mode & 0o777).toString(8) }).toEqual({
        file,
        mode: '600',
      });
    expect(readdirSync(dataDir).filter((name) => name.includes('partial'))).toEqual([]);
  });

  it("gives the host's service user the service role alone", async () => {
    const nova = await ApiClient.login(apiUrl, {
      username: 'nova',
      password: cloud.secrets.servicePassword,
      project: 'service',
    });
    expect((await nova.post('/identity/v3/users', { user: { name: 'x', password: 'y' } })).status).toBe(403);
    expect((await nova.get('/compute/v2.1/servers/detail?all_tenants=1')).status).toBe(403);
  });
});
