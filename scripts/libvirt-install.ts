import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../common/paths';

/** What a libvirt host of the local cloud needs from Debian (the list, and the guest image's). */
export const LIBVIRT_PACKAGES = [
  'libvirt-daemon',
  'libvirt-daemon-driver-qemu',
  'libvirt-clients',
  'qemu-system-x86',
  'qemu-utils',
  // The ports' security groups: libvirt's standard filters, and the tools its nwfilter driver runs.
  'libvirt-daemon-config-nwfilter',
  'iptables',
  'ebtables',
];
export const GUEST_IMAGE_PACKAGES = ['linux-image-cloud-amd64', 'busybox-static'];

/** Why libvirt hosts cannot run on this machine, or undefined when they can. */
export function libvirtUnavailableReason(): string | undefined {
  if (process.platform !== 'linux') return `libvirt hosts need Linux, not ${process.platform}`;
  if (process.getuid?.() !== 0)
    return 'libvirt hosts need root (each runs its own libvirtd in a mount namespace)';
  return undefined;
}

const hasAccount = (database: 'passwd' | 'group', name: string) => {
  try {
    execFileSync('getent', [database, name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

/**
 * Installs libvirt, QEMU and the guest image's packages through scripts/apt-install.sh (once,
 * under its lock), and the account libvirt's QEMU driver looks up at start-up even when
 * qemu.conf runs guests as root: without libvirt-daemon-system (not installed: it would start the
 * machine's own libvirtd) Debian creates neither the user nor the group libvirt-qemu.
 */
export function installLibvirt(log: (line: string) => void): void {
  const reason = libvirtUnavailableReason();
  if (reason) throw new Error(reason);
  const script = join(projectRoot(), 'scripts', 'apt-install.sh');
  log(
    `installing what libvirt hosts need (if missing): ${[...LIBVIRT_PACKAGES, ...GUEST_IMAGE_PACKAGES].join(' ')}`,
  );
  execFileSync(script, [...LIBVIRT_PACKAGES, ...GUEST_IMAGE_PACKAGES], { stdio: 'inherit' });
  if (!hasAccount('group', 'libvirt-qemu')) execFileSync('groupadd', ['--system', 'libvirt-qemu']);
  if (!hasAccount('passwd', 'libvirt-qemu')) {
    execFileSync('useradd', [
      '--system',
      '--no-create-home',
      '--home-dir',
      '/var/lib/libvirt',
      '--shell',
      '/usr/sbin/nologin',
      '--gid',
      'libvirt-qemu',
      'libvirt-qemu',
    ]);
  }
}
