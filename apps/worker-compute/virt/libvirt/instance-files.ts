import { rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where one guest's files live on its host, as Nova lays out instances_path: a directory named by
 * the instance uuid, holding the disks, the kernel and ramdisk of a direct kernel boot, the
 * serial console's log and the domain XML; during a cold move the source keeps it as <uuid>_resize.
 */
export class InstanceFiles {
  constructor(readonly directory: string) {}

  static of(instancesDir: string, instanceUuid: string): InstanceFiles {
    return new InstanceFiles(join(instancesDir, instanceUuid));
  }

  /** The directory a cold move's source keeps the guest's files in until confirm or revert. */
  static resizeSourceOf(instancesDir: string, instanceUuid: string): InstanceFiles {
    return new InstanceFiles(join(instancesDir, `${instanceUuid}_resize`));
  }

  /** Removes the directory and all in it; one already gone is fine. */
  remove(): Promise<void> {
    return rm(this.directory, { recursive: true, force: true });
  }

  get rootDisk() {
    return join(this.directory, 'disk');
  }

  get ephemeralDisk() {
    return join(this.directory, 'disk.eph0');
  }

  get swapDisk() {
    return join(this.directory, 'disk.swap');
  }

  get kernel() {
    return join(this.directory, 'kernel');
  }

  get ramdisk() {
    return join(this.directory, 'ramdisk');
  }

  get consoleLog() {
    return join(this.directory, 'console.log');
  }

  get domainXml() {
    return join(this.directory, 'libvirt.xml');
  }

  /** When (ms) the ports were read whose filters the last interface sync defined. */
  get filtersAsOf() {
    return join(this.directory, 'filters.as-of');
  }
}
