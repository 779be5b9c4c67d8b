import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Virsh } from '../../apps/worker-compute/virt/libvirt/virsh';
import { type Config, parseConfig } from '../../common/config';
import { distDir } from '../../common/paths';
import { buildGuestImage, type GuestImageFiles } from '../../scripts/guest-image';
import { libvirtHostLayout } from '../../scripts/libvirt-daemon';
import { installLibvirt, libvirtUnavailableReason } from '../../scripts/libvirt-install';
import { TestProcess } from './processes';

const GUEST_IMAGE_DIR = 'NOVAFLOW_TEST_GUEST_IMAGE';
const LIBVIRT_MISSING = 'NOVAFLOW_TEST_LIBVIRT_MISSING';

/**
 * Once per test run, in the global setup: installs libvirt, QEMU and the guest image's packages
 * (scripts/apt-install.sh, under its lock) and builds the tiny guest into `scratch`, recording
 * where it is, or why libvirt tests cannot run here, in the environment of the test files.
 */
export async function provideLibvirt(scratch: string, log: (line: string) => void): Promise<void> {
  delete process.env[GUEST_IMAGE_DIR];
  delete process.env[LIBVIRT_MISSING];
  try {
    installLibvirt(log);
    const dir = join(scratch, 'guest-image');
    buildGuestImage(dir);
    // Whether a libvirtd of the tests' kind starts here at all (a container may refuse its mount namespace).
    const probe = await startLibvirtDaemon(join(scratch, 'libvirt-probe'), 'probe');
    await probe.stop();
    process.env[GUEST_IMAGE_DIR] = dir;
  } catch (error) {
    process.env[LIBVIRT_MISSING] = libvirtUnavailableReason() ?? (error as Error).message;
  }
}

/** In a test file: the guest image the global setup built, or the reason libvirt tests skip. */
export function libvirtForTests(): { guestImage?: GuestImageFiles; reason?: string } {
  const dir = process.env[GUEST_IMAGE_DIR];
  if (dir) return { guestImage: buildGuestImage(dir) };
  return {
    reason:
      process.env[LIBVIRT_MISSING] ??
      'the test setup did not prepare libvirt (test/support/global-setup.ts does)',
  };
}

/** One libvirt host's own libvirtd, started by a test as the local cloud starts it. */
export async function startLibvirtDaemon(dataDir: string, host: string): Promise<TestProcess> {
  const daemon = TestProcess.start(
    `libvirtd-${host}`,
    join(distDir(), 'scripts', 'libvirt-daemon.js'),
    ['--data-dir', dataDir, '--host', host],
    { PATH: process.env.PATH },
    join(dataDir, `libvirtd-${host}.log`),
  );
  const layout = libvirtHostLayout(dataDir, host);
  const virsh = new Virsh(layout.uri);
  const deadline = Date.now() + 60_000;
  while (!(
    existsSync(layout.socket) &&
    (await virsh.run(['uri']).then(
      () => true,
      () => false,
    ))
  )) {
    if (Date.now() > deadline || !daemon.running)
      throw new Error(`libvirtd of ${host} did not start: see ${daemon.logFile}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return daemon;
}

/** The configuration a libvirt host's compute worker runs with (the daemon wrote its file). */
export function libvirtHostConfig(dataDir: string, host: string): Config {
  return parseConfig(readFileSync(libvirtHostLayout(dataDir, host).computeConfig, 'utf8')).config;
}
