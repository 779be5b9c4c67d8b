import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { domainXml } from '../apps/worker-compute/virt/libvirt/domain-xml';
import { InstanceFiles } from '../apps/worker-compute/virt/libvirt/instance-files';
import { loadSettings } from '../common/config';
import { GUEST_BOOTED_LINE } from '../scripts/guest-image';
import { libvirtHostLayout } from '../scripts/libvirt-daemon';
import { startLocalCloud } from '../scripts/local-cloud';
import { freePort, sleep } from '../scripts/net';
import { seedTinyLinux } from '../scripts/seed/tiny-linux';
import { Api, log, machine } from './api';
import { percentile } from './stats';

/**
 * `npm run bench:libvirt -- --count 5`: real guests through the whole pipeline on one libvirt
 * host, one at a time: POST → ACTIVE and POST → the guest's boot line on its console (read
 * through the API, as a user would), against a bare `virsh create` of the same domain XML on the
 * same daemon (create → boot line in the log file). The ratio is the pipeline's overhead.
 */
const { values } = parseArgs({ options: { count: { type: 'string', default: '5' } } });
const COUNT = Number(values.count);
const HOST = 'bench-libvirt';
const POLL_MS = 50;

const virsh = (uri: string, args: string[]) =>
  new Promise<void>((resolve, reject) =>
    execFile('virsh', ['--quiet', '--connect', uri, ...args], (error, _out, stderr) =>
      error ? reject(new Error(stderr || error.message)) : resolve(),
    ),
  );
const qemuImg = (args: string[]) =>
  new Promise<void>((resolve, reject) =>
    execFile('qemu-img', args, (error) => (error ? reject(error) : resolve())),
  );

async function until(check: () => Promise<boolean> | boolean, what: string): Promise<number> {
  const deadline = Date.now() + 180_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(POLL_MS);
  }
  return Date.now();
}

async function pipelineBoot(
  api: Api,
  imageId: string,
  i: number,
): Promise<{ active: number; booted: number }> {
  const posted = Date.now();
  const res = await api.call('POST', '/compute/v2.1/servers', {
    server: { name: `bench-lv-${i}`, imageRef: imageId, flavorRef: '1', networks: 'auto' },
  });
  if (res.status !== 202) throw new Error(`boot: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  const id = res.body.server.id;
  const active = await until(async () => {
    const { body } = await api.call('GET', `/compute/v2.1/servers/${id}`);
    if (body.server.status === 'ERROR') throw new Error(`boot ${id} failed`);
    return body.server.status === 'ACTIVE';
  }, 'ACTIVE');
  const booted = await until(async () => {
    const out = await api.call('POST', `/compute/v2.1/servers/${id}/action`, { 'os-getConsoleOutput': {} });
    return out.status === 200 && String(out.body.output).includes(GUEST_BOOTED_LINE);
  }, 'the boot line');
  await api.call('DELETE', `/compute/v2.1/servers/${id}`);
  await until(async () => (await api.call('GET', `/compute/v2.1/servers/${id}`)).status === 404, 'delete');
  return { active: active - posted, booted: booted - posted };
}

/** The same guest as the driver defines it (m1.tiny, kernel boot), created bare with virsh. */
async function bareBoot(
  uri: string,
  dir: string,
  cache: string,
  imageId: string,
  i: number,
): Promise<number> {
  const uuid = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  const files = InstanceFiles.of(dir, uuid);
  mkdirSync(files.directory, { recursive: true });
  const image = JSON.parse(readFileSync(join(cache, 'image.json'), 'utf8')) as Record<string, string>;
  await qemuImg([
    'create',
    '-q',
    '-f',
    'qcow2',
    '-b',
    join(cache, imageId),
    '-F',
    'qcow2',
    files.rootDisk,
    '1G',
  ]);
  writeFileSync(files.kernel, readFileSync(join(cache, image.kernel_id)));
  writeFileSync(files.ramdisk, readFileSync(join(cache, image.ramdisk_id)));
  const xml = domainXml(
    {
      instanceUuid: uuid,
      name: `bare-${i}`,
      hostname: `bare-${i}`,
      flavor: {
        flavorid: '1',
        name: 'm1.tiny',
        vcpus: 1,
        memoryMb: 512,
        rootGb: 1,
        ephemeralGb: 0,
        swap: 0,
        extraSpecs: {},
      },
      image: { id: imageId, properties: image },
      interfaces: [
        { portId: uuid, networkId: 'n', networkName: 'n', macAddress: 'fa:16:3e:00:00:99', fixedIps: [] },
      ],
      userData: null,
      keyData: null,
      metadata: {},
    },
    files,
    { virtType: 'qemu', arch: 'x86_64', ephemeral: false, swap: false, kernel: true, ramdisk: true },
  );
  writeFileSync(files.domainXml, xml);
  const started = Date.now();
  await virsh(uri, ['create', files.domainXml]);
  const booted = await until(
    () => existsSync(files.consoleLog) && readFileSync(files.consoleLog, 'utf8').includes(GUEST_BOOTED_LINE),
    'the bare boot line',
  );
  await virsh(uri, ['destroy', uuid]);
  return booted - started;
}

const summary = (name: string, ms: number[]) =>
  `| ${name} | ${ms.length} | ${Math.round(percentile(ms, 50))} | ${Math.round(Math.min(...ms))} | ${Math.round(Math.max(...ms))} |`;

async function main() {
  const scratch = mkdtempSync(join(tmpdir(), 'novaflow-bench-'));
  chmodSync(scratch, 0o755);
  Object.assign(process.env, {
    NOVAFLOW_DATA_DIR: scratch,
    NOVAFLOW_API_PORT: String(await freePort()),
    NOVAFLOW_LOG_LEVEL: 'warn',
  });
  const settings = loadSettings();
  const cloud = await startLocalCloud({
    settings,
    postgresPort: await freePort(),
    temporalPort: await freePort(),
    persistent: false,
    computeHosts: [],
    libvirtHosts: [HOST],
    log,
  });
  try {
    if (!(await cloud.waitHealthy(120_000))) throw new Error('the stack did not become healthy');
    const login = {
      publicUrl: settings.env.publicUrl,
      username: 'admin',
      password: cloud.secrets.adminPassword,
    };
    const imageId = await seedTinyLinux({ ...login, projectName: 'admin' }, join(scratch, 'guest-image'));
    const api = new Api(settings.env.publicUrl);
    await api.login('admin', cloud.secrets.adminPassword, 'admin');
    await until(
      async () =>
        (await api.call('GET', '/compute/v2.1/os-services?binary=nova-compute')).body.services.length > 0,
      'the libvirt host',
    );
    // One boot first, so that the host's image cache holds the image, as in a cloud that has run a while.
    await pipelineBoot(api, imageId, 0);
    const cache = join(scratch, 'instances', HOST, '_base');
    const { body } = await api.call('GET', `/image/v2/images/${imageId}`);
    writeFileSync(join(cache, 'image.json'), JSON.stringify(body));

    const active: number[] = [];
    const booted: number[] = [];
    const bare: number[] = [];
    const uri = libvirtHostLayout(scratch, HOST).uri;
    for (let i = 1; i <= COUNT; i++) {
      const run = await pipelineBoot(api, imageId, i);
      active.push(run.active);
      booted.push(run.booted);
      bare.push(await bareBoot(uri, join(scratch, 'bare'), cache, imageId, i));
      log(
        `run ${i}: ACTIVE ${run.active} ms, boot line ${run.booted} ms; bare virsh create ${bare.at(-1)} ms`,
      );
    }
    const ratio = percentile(booted, 50) / percentile(bare, 50);
    process.stdout.write(
      [
        `Machine: ${machine()}; ${COUNT} boots one at a time, m1.tiny, tiny-linux under QEMU (TCG).`,
        '',
        '| run | n | p50 ms | min ms | max ms |',
        '|---|---|---|---|---|',
        summary('POST → ACTIVE', active),
        summary('POST → boot line on the console (API)', booted),
        summary('bare `virsh create` → boot line in the log', bare),
        '',
        `Pipeline overhead: POST → boot line is ${ratio.toFixed(2)} × the bare create (goal: at most 1.5 ×).`,
        '',
      ].join('\n'),
    );
  } finally {
    await cloud.stop();
  }
}

main().catch((error) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
