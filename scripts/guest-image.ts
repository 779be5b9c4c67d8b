import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** The line the guest's init prints on its serial console once it has booted. */
export const GUEST_BOOTED_LINE = 'novaflow guest booted';
export const GUEST_IMAGE_NAME = 'tiny-linux';

/**
 * The guest's init (busybox init runs it): mounts what busybox needs, loads the ACPI power
 * button (so that a clean shutdown from libvirt powers the guest off), says it booted, idles.
 */
const RC_SCRIPT = `#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
insmod /lib/modules/evdev.ko
insmod /lib/modules/button.ko
acpid
echo "${GUEST_BOOTED_LINE}"
`;
const INITTAB = '::sysinit:/etc/rcS\n::shutdown:/bin/echo "novaflow guest shutting down"\n';
/** busybox acpid runs /etc/acpi/PWRF/00000080 on the power button. */
const POWER_BUTTON_SCRIPT = '#!/bin/sh\n/bin/poweroff\n';

interface Entry {
  path: string;
  mode: number;
  data?: Buffer;
  linkTo?: string;
}

/** An uncompressed cpio archive in the "newc" format the kernel unpacks as its initramfs. */
export function newcArchive(entries: Entry[]): Buffer {
  const parts: Buffer[] = [];
  const pad = (length: number) => Buffer.alloc((4 - (length % 4)) % 4);
  const hex = (value: number) => value.toString(16).padStart(8, '0');
  let inode = 1;
  for (const entry of [...entries, { path: 'TRAILER!!!', mode: 0 }]) {
    const body = entry.linkTo !== undefined ? Buffer.from(entry.linkTo) : (entry.data ?? Buffer.alloc(0));
    const name = Buffer.from(`${entry.path}\0`);
    const fields = [inode++, entry.mode, 0, 0, 1, 0, body.length, 0, 0, 0, 0, name.length, 0];
    const header = Buffer.from(`070701${fields.map(hex).join('')}`);
    parts.push(header, name, pad(header.length + name.length), body, pad(body.length));
  }
  return Buffer.concat(parts);
}

const DIR = 0o040755;
const FILE = 0o100644;
const EXEC = 0o100755;
const LINK = 0o120777;

/** The newest installed linux-image-*-cloud-amd64 kernel: its version and vmlinuz. */
function cloudKernel(): { version: string; vmlinuz: string } {
  const versions = readdirSync('/boot')
    .filter((name) => /^vmlinuz-.*-cloud-amd64$/.test(name))
    .map((name) => name.slice('vmlinuz-'.length))
    .sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const version = versions.at(-1);
  if (!version) throw new Error('no cloud kernel in /boot: install linux-image-cloud-amd64');
  return { version, vmlinuz: join('/boot', `vmlinuz-${version}`) };
}

/** The initramfs: busybox-static, its applets, init, and the two modules a clean shutdown needs. */
function initramfs(kernelVersion: string): Buffer {
  const modules = `/lib/modules/${kernelVersion}/kernel/drivers`;
  const entries: Entry[] = [
    ...[
      'bin',
      'sbin',
      'dev',
      'proc',
      'sys',
      'etc',
      'etc/acpi',
      'etc/acpi/PWRF',
      'lib',
      'lib/modules',
      'var',
      'var/log',
      'var/run',
    ].map((path) => ({ path, mode: DIR })),
    { path: 'bin/busybox', mode: EXEC, data: readFileSync('/bin/busybox') },
    ...['sh', 'mount', 'insmod', 'acpid', 'poweroff', 'echo', 'sleep'].map((applet) => ({
      path: `bin/${applet}`,
      mode: LINK,
      linkTo: 'busybox',
    })),
    // The kernel runs /init; busybox, called "init", is busybox init.
    { path: 'init', mode: LINK, linkTo: 'bin/busybox' },
    { path: 'sbin/init', mode: LINK, linkTo: '../bin/busybox' },
    { path: 'etc/inittab', mode: FILE, data: Buffer.from(INITTAB) },
    { path: 'etc/rcS', mode: EXEC, data: Buffer.from(RC_SCRIPT) },
    { path: 'etc/acpi/PWRF/00000080', mode: EXEC, data: Buffer.from(POWER_BUTTON_SCRIPT) },
    { path: 'lib/modules/evdev.ko', mode: FILE, data: readFileSync(`${modules}/input/evdev.ko`) },
    { path: 'lib/modules/button.ko', mode: FILE, data: readFileSync(`${modules}/acpi/button.ko`) },
  ];
  return gzipSync(newcArchive(entries), { level: 6 });
}

export interface GuestImageFiles {
  kernel: string;
  ramdisk: string;
  rootDisk: string;
}

/**
 * Builds the tiny guest into `dir` (once; a later call finds it): the cloud kernel, a busybox
 * initramfs whose init prints GUEST_BOOTED_LINE on the serial console and idles, and an empty
 * qcow2 root disk (the guest runs from its initramfs, booted directly from kernel and ramdisk).
 */
export function buildGuestImage(dir: string): GuestImageFiles {
  const files = {
    kernel: join(dir, 'vmlinuz'),
    ramdisk: join(dir, 'initrd.gz'),
    rootDisk: join(dir, 'root.qcow2'),
  };
  if (Object.values(files).every((path) => existsSync(path))) return files;
  mkdirSync(dir, { recursive: true });
  const { version, vmlinuz } = cloudKernel();
  // Each builder writes files of its own, then renames them into place: two at once both succeed.
  const part = (path: string) => `${path}.${process.pid}.part`;
  writeFileSync(part(files.kernel), readFileSync(vmlinuz));
  writeFileSync(part(files.ramdisk), initramfs(version));
  execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', part(files.rootDisk), '1G']);
  for (const path of Object.values(files)) renameSync(part(path), path);
  return files;
}
