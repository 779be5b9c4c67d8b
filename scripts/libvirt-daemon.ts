import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sleep } from './net';

/**
 * The directories libvirtd keeps its state in, each bound over from the host's own directory in
 * the daemon's mount namespace: so several daemons (one per libvirt host) run on one machine,
 * each with its own configuration, runtime and state, and none touches the machine's own.
 */
const BOUND = {
  etc: '/etc/libvirt',
  run: '/run/libvirt',
  lib: '/var/lib/libvirt',
  log: '/var/log/libvirt',
  cache: '/var/cache/libvirt',
};

/** libvirt's standard network filters (clean-traffic...), as Debian's libvirt-daemon-config-nwfilter ships them. */
const STANDARD_NWFILTERS = '/usr/share/libvirt/nwfilter';

/**
 * The standard filters copied into the daemon's own /etc/libvirt/nwfilter, as that package's
 * install does for the machine's: the ports' filters refer to them. One there already is kept.
 */
function installStandardFilters(etc: string): void {
  if (!existsSync(STANDARD_NWFILTERS)) return;
  const dir = join(etc, 'nwfilter');
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(STANDARD_NWFILTERS).filter((file) => file.endsWith('.xml'))) {
    if (!existsSync(join(dir, name))) copyFileSync(join(STANDARD_NWFILTERS, name), join(dir, name));
  }
}

/** Where one libvirt host's daemon lives under the data directory, and how its compute worker reaches it. */
export function libvirtHostLayout(dataDir: string, host: string) {
  const root = join(dataDir, 'libvirt');
  const dir = join(root, host);
  const socketOf = (name: string) => join(root, name, 'sock', 'libvirt-sock');
  return {
    dir,
    /** The URI of this host's daemon: its unix socket, visible outside the daemon's namespace. */
    uri: `qemu+unix:///system?socket=${socketOf(host)}`,
    /** [libvirt] live_migration_uri for the hosts of this data directory: %s is the destination. */
    migrationUri: `qemu+unix:///system?socket=${socketOf('%s')}`,
    socket: socketOf(host),
    /** The compute worker's own configuration file (its --config-file). */
    computeConfig: join(dir, 'compute.conf'),
  };
}

/** Writes the daemon's configuration and the compute worker's; the host uuid is made once and kept. */
export function writeLibvirtHostConfig(dataDir: string, host: string): void {
  const layout = libvirtHostLayout(dataDir, host);
  for (const name of [...Object.keys(BOUND), 'sock']) mkdirSync(join(layout.dir, name), { recursive: true });
  const uuidFile = join(layout.dir, 'host-uuid');
  if (!existsSync(uuidFile)) writeFileSync(uuidFile, randomUUID());
  const hostUuid = readFileSync(uuidFile, 'utf8').trim();
  const etc = join(layout.dir, 'etc');
  installStandardFilters(etc);
  writeFileSync(
    join(etc, 'libvirtd.conf'),
    [
      `unix_sock_dir = "${join(layout.dir, 'sock')}"`,
      'unix_sock_rw_perms = "0700"',
      'auth_unix_rw = "none"',
      // Two daemons on one machine must not share libvirt's host uuid, or migration between them is refused.
      `host_uuid = "${hostUuid}"`,
      `log_outputs = "3:file:${join(layout.dir, 'log', 'libvirtd.log')}"`,
      '',
    ].join('\n'),
  );
  // Guests run as root on files of any directory; the daemon is this host's alone. No cgroups:
  // every daemon of the machine would name its guests' cgroups alike in the one /sys/fs/cgroup.
  writeFileSync(
    join(etc, 'qemu.conf'),
    [
      'user = "root"',
      'group = "root"',
      'dynamic_ownership = 0',
      'security_driver = "none"',
      'cgroup_controllers = [ ]',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(etc, 'virtlogd.conf'),
    `log_outputs = "3:file:${join(layout.dir, 'log', 'virtlogd.log')}"\n`,
  );
  writeFileSync(
    layout.computeConfig,
    [
      '# Written by the local cloud for this libvirt host; read over the shared configuration.',
      '[DEFAULT]',
      'compute_driver = libvirt.LibvirtDriver',
      '[libvirt]',
      // KVM guests hang or abort on the machines this runs on; QEMU's emulation boots them.
      'virt_type = qemu',
      `connection_uri = ${layout.uri}`,
      `live_migration_uri = ${layout.migrationUri}`,
      'live_migration_inbound_addr = 127.0.0.1',
      '',
    ].join('\n'),
  );
}

const virsh = (uri: string, args: string[]) =>
  new Promise<string>((resolve) =>
    execFile('virsh', ['--quiet', '--connect', uri, ...args], { timeout: 30_000 }, (_error, stdout) =>
      resolve(stdout ?? ''),
    ),
  );

/** The pid in a daemon's pid file, if that process is still the daemon `name` (pids are reused). */
const pidIn = (file: string, name: string): number | undefined => {
  const pid = Number(existsSync(file) ? readFileSync(file, 'utf8').trim() : NaN);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const cmdline = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : '';
  return cmdline.includes(name) ? pid : undefined;
};

const kill = (pid: number | undefined, signal: NodeJS.Signals) => {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // Gone already.
  }
};

/** The guests the last stop saved, one uuid a line, to be resumed at the next start. */
const SAVED_GUESTS = 'saved-guests';

/**
 * As libvirt-guests does when a machine shuts down (ON_SHUTDOWN=suspend): every running guest's
 * memory saved to disk, so that the next start resumes it where it was, not powered off.
 */
async function saveRunningGuests(uri: string, listFile: string): Promise<void> {
  const running = (await virsh(uri, ['list', '--uuid'])).split('\n').filter(Boolean);
  await Promise.all(running.map((uuid) => virsh(uri, ['managedsave', uuid])));
  if (running.length > 0) writeFileSync(listFile, `${running.join('\n')}\n`);
}

/** As libvirt-guests at boot (ON_BOOT=start): the guests the last stop saved run again. */
async function resumeSavedGuests(uri: string, listFile: string): Promise<void> {
  if (!existsSync(listFile)) return;
  const saved = readFileSync(listFile, 'utf8').split('\n').filter(Boolean);
  for (let tries = 0; tries < 300 && !(await virsh(uri, ['uri'])); tries++) await sleep(100);
  await Promise.all(saved.map((uuid) => virsh(uri, ['start', uuid])));
  rmSync(listFile, { force: true });
}

/**
 * `node libvirt-daemon.js --data-dir D --host H`: runs host H's libvirtd (and its virtlogd) in a
 * mount namespace of its own, in the foreground, as a child of the supervisor. Stopped, it
 * saves its running guests first and resumes them when started again, as libvirt-guests does
 * on a machine that shuts down and boots.
 */
async function main() {
  const { values } = parseArgs({ options: { 'data-dir': { type: 'string' }, host: { type: 'string' } } });
  const dataDir = values['data-dir']!;
  const host = values.host!;
  const layout = libvirtHostLayout(dataDir, host);
  writeLibvirtHostConfig(dataDir, host);
  const run = join(layout.dir, 'run');
  // A daemon of an earlier run that was killed with its supervisor is stopped first.
  kill(pidIn(join(run, 'libvirtd.pid'), 'libvirtd'), 'SIGKILL');
  kill(pidIn(join(run, 'virtlogd.pid'), 'virtlogd'), 'SIGKILL');
  for (const target of Object.values(BOUND)) mkdirSync(target, { recursive: true });

  const mounts = Object.entries(BOUND)
    .map(([name, target]) => `mount --bind '${join(layout.dir, name)}' '${target}'`)
    .join(' && ');
  const daemon = spawn(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      '/bin/sh',
      '-c',
      // Pid files of this host's own: the default ones (/run/libvirtd.pid, /run/virtlogd.pid) are
      // outside the bound directories, one for every daemon of the machine.
      `${mounts} && virtlogd -d -f /etc/libvirt/virtlogd.conf -p '${join(run, 'virtlogd.pid')}'` +
        ` && exec libvirtd -f /etc/libvirt/libvirtd.conf -p '${join(run, 'libvirtd.pid')}'`,
    ],
    { stdio: 'inherit' },
  );
  process.stdout.write(`libvirtd for ${host} at ${layout.uri}\n`);
  void resumeSavedGuests(layout.uri, join(layout.dir, SAVED_GUESTS));

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await saveRunningGuests(layout.uri, join(layout.dir, SAVED_GUESTS));
    daemon.kill('SIGTERM');
    kill(pidIn(join(run, 'virtlogd.pid'), 'virtlogd'), 'SIGTERM');
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
  // The supervisor's IPC channel closes when it dies: stop rather than run on orphaned.
  process.on('disconnect', () => void stop());

  const code = await new Promise<number>((resolve) =>
    daemon.once('exit', (exitCode) => resolve(exitCode ?? 1)),
  );
  kill(pidIn(join(run, 'virtlogd.pid'), 'virtlogd'), 'SIGTERM');
  process.exit(stopping ? 0 : code || 1);
}

if (require.main === module) {
  main().catch((error) => {
    process.stderr.write(`libvirt-daemon: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
