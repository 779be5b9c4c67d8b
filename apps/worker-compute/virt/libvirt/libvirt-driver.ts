import { copyFile, mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Config } from '../../../../common/config';
import { pathExists } from '../../../../common/path-exists';
import { PowerState } from '../../../../common/power-state';
import { sleep } from '../../../../common/sleep';
import {
  type DriverCapabilities,
  GuestNotFound,
  type GuestInterface,
  type GuestSpec,
  type HostResources,
  type LiveMigrationControl,
  type RebootType,
  type SpawnedGuest,
  type VirtDriver,
  VirtDriverError,
} from '../driver';
import { hostArchitecture } from '../host-architecture';
import { type GuardedAction, POWER_STATE_NAMES, powerStateAfter } from '../power-transitions';
import { powerStateOf } from './domain-states';
import { domainXml, rootDeviceName } from './domain-xml';
import { libvirtResources } from './host-resources';
import { InstanceFiles } from './instance-files';
import { awaitOrphanedMigration, LiveMigrationJob } from './live-migration-job';
import { PortFilters } from './port-filters';
import { createBlank, createOverlay, growTo, rebaseOnto } from './qemu-img';
import { LibvirtError, Virsh } from './virsh';

/** Nova's MAX_CONSOLE_BYTES: the console output returned is at most the log's last 100 KiB. */
const MAX_CONSOLE_BYTES = 100 * 1024;
/** Nova's [libvirt] wait_soft_reboot_seconds: how long a soft reboot waits for the guest to stop. */
const WAIT_SOFT_REBOOT_SECONDS = 120;
/** How often a clean shutdown asks the guest again (Nova's SHUTDOWN_RETRY_INTERVAL is 10 s). */
const SHUTDOWN_RETRY_MS = 3000;
/** Nova's default clean-shutdown timeout, when the caller gives none. */
const DEFAULT_SHUTDOWN_TIMEOUT_SECONDS = 60;

/** A domain as libvirt reports it: its state word and whether it has a managed-save image (suspended). */
interface DomainInfo {
  state: string;
  managedSave: boolean;
  vcpus: number;
}

/** Copies through a temporary name, so that a copy cut short by a crash is never taken for a whole one. */
async function copyAtomically(from: string, to: string): Promise<void> {
  await copyFile(from, `${to}.part`);
  await rename(`${to}.part`, to);
}

/**
 * Real guests under QEMU through libvirt, as Nova's libvirt driver: one persistent domain per
 * instance (its uuid the instance's), disks as qcow2 overlays on the host's image cache, the
 * serial console logged to a file. Every method is idempotent, reading libvirt's and the
 * filesystem's state before it acts, because Temporal runs a step again after a crash.
 *
 * Cold and live moves between hosts copy files through the filesystem: the hosts' instance
 * directories must be on one filesystem (hosts of one machine, or a shared instances_path).
 */
export class LibvirtDriver implements VirtDriver {
  readonly capabilities: DriverCapabilities = {
    supportsEvacuate: true,
    supportsMigrateToSameHost: true,
    supportsLiveMigration: true,
    needsImageData: true,
  };
  private readonly virsh: Virsh;
  /** The ports' security groups as libvirt nwfilters, one per port, referred to by its interface. */
  private readonly filters: PortFilters;
  private readonly instancesDir: string;
  /** Live migrations running from this host, by instance uuid, so that a force-complete finds its job. */
  private readonly migrations = new Map<string, LiveMigrationJob>();
  /** The domain listing in progress, which concurrent callers share (see allDomains). */
  private domainsReading: Promise<Map<string, DomainInfo>> | undefined;

  constructor(
    private readonly host: string,
    private readonly config: Config,
    /** The directory holding every host's instance directory (<root>/<host>/<uuid>). */
    private readonly instancesRoot: string,
  ) {
    this.virsh = new Virsh(config.libvirt.connection_uri || 'qemu:///system');
    this.filters = new PortFilters(this.virsh);
    this.instancesDir = join(instancesRoot, host);
  }

  async getAvailableResource(): Promise<HostResources> {
    await mkdir(this.instancesDir, { recursive: true });
    return libvirtResources(this.virsh, this.host, this.instancesDir, async () =>
      [...(await this.allDomains()).values()].reduce((total, info) => total + info.vcpus, 0),
    );
  }

  async listGuests(): Promise<Map<string, PowerState>> {
    const domains = await this.allDomains();
    return new Map([...domains].map(([uuid, info]) => [uuid, powerStateOf(info.state)]));
  }

  /** The root disk as an overlay on the cached image, the flavor's ephemeral and swap disks, the kernel and ramdisk. */
  async prepareBlockDevices(spec: GuestSpec): Promise<void> {
    const files = this.filesOf(spec.instanceUuid);
    await mkdir(files.directory, { recursive: true });
    await this.createDisks(spec, files);
  }

  async spawn(spec: GuestSpec): Promise<SpawnedGuest> {
    const uuid = spec.instanceUuid;
    if (!(await this.info(uuid))) await this.define(spec, this.filesOf(uuid));
    await this.start(uuid);
    return this.spawned(spec);
  }

  /** The domain stopped and undefined with its ports' filters, its files (and a cold move's kept source files) removed. */
  async destroy(instanceUuid: string): Promise<void> {
    const job = this.migrations.get(instanceUuid);
    if (job) await job.abort();
    await this.undefine(instanceUuid);
    await this.filters.undefine(instanceUuid);
    await this.filesOf(instanceUuid).remove();
    await this.keptFilesOf(instanceUuid).remove();
  }

  async getInfo(instanceUuid: string): Promise<{ powerState: PowerState }> {
    return { powerState: powerStateOf((await this.domain(instanceUuid)).state) };
  }

  /** Asks the guest to shut down (ACPI) and waits for it; a guest still up after the timeout is powered off. */
  async powerOff(instanceUuid: string, options: { timeoutSeconds?: number } = {}): Promise<void> {
    const domain = await this.domain(instanceUuid);
    if (domain.managedSave) {
      // Stopping a suspended guest forgets its saved memory: it boots afresh when started.
      await this.virsh.run(['managedsave-remove', instanceUuid]);
      return;
    }
    if (domain.state === 'shut off') return;
    const timeout = options.timeoutSeconds ?? DEFAULT_SHUTDOWN_TIMEOUT_SECONDS;
    if (domain.state === 'running' && timeout > 0 && (await this.shutDownCleanly(instanceUuid, timeout)))
      return;
    await this.stop(instanceUuid);
  }

  /** As Nova's power_on: whatever the guest was doing (paused, suspended), it boots afresh. */
  async powerOn(instanceUuid: string): Promise<void> {
    const domain = await this.domain(instanceUuid);
    if (domain.state === 'running') return;
    await this.stop(instanceUuid);
    await this.virsh.run(['start', instanceUuid, '--force-boot']);
  }

  /** SOFT: the guest shuts down (ACPI) and is started again, as Nova's; a guest that does not stop, or is not running, is reset. */
  async reboot(instanceUuid: string, type: RebootType): Promise<void> {
    const domain = await this.domain(instanceUuid);
    if (type === 'SOFT' && domain.state === 'running') {
      if (await this.shutDownCleanly(instanceUuid, WAIT_SOFT_REBOOT_SECONDS)) {
        await this.virsh.run(['start', instanceUuid]);
        return;
      }
    }
    await this.stop(instanceUuid);
    await this.virsh.run(['start', instanceUuid, '--force-boot']);
  }

  pause(instanceUuid: string): Promise<void> {
    return this.transition('pause', instanceUuid, ['suspend', instanceUuid]);
  }

  unpause(instanceUuid: string): Promise<void> {
    return this.transition('unpause', instanceUuid, ['resume', instanceUuid]);
  }

  /** Nova's suspend: the guest's memory saved to disk (libvirt's managed save) and the domain off. */
  suspend(instanceUuid: string): Promise<void> {
    return this.transition('suspend', instanceUuid, ['managedsave', instanceUuid]);
  }

  /** Starting a domain with a managed-save image restores it where it was. */
  resume(instanceUuid: string): Promise<void> {
    return this.transition('resume', instanceUuid, ['start', instanceUuid]);
  }

  /**
   * Unplugs every interface whose MAC no port of the list has, from the running guest and from its
   * definition, as Nova's detach_interface on network-vif-deleted, and redefines the others'
   * filters from their ports' addresses and security groups (libvirt applies them at once).
   * Addresses live in the guest, not in libvirt. Filters are defined only from a sync read no
   * earlier (`asOf`) than the one last applied, so that crossing syncs end at the newest rules;
   * unplugging needs no ordering, and a retry finds less to do.
   */
  async syncInterfaces(instanceUuid: string, interfaces: GuestInterface[], asOf: number): Promise<void> {
    const { state } = await this.domain(instanceUuid);
    const stamp = this.filesOf(instanceUuid).filtersAsOf;
    const lastApplied = Number(await readFile(stamp, 'utf8').catch(() => '0')) || 0;
    if (asOf >= lastApplied && (await pathExists(this.filesOf(instanceUuid).directory))) {
      await this.filters.define(instanceUuid, interfaces);
      await writeFile(stamp, String(asOf));
    }
    const wanted = new Set(interfaces.map((nic) => nic.macAddress.toLowerCase()));
    const stale = async (flags: string[]) =>
      interfacesOf((await this.virsh.onDomain(['domiflist', instanceUuid, ...flags])) ?? '').filter(
        (nic) => !wanted.has(nic.mac),
      );
    for (const nic of await stale(['--inactive'])) {
      await this.virsh.onDomain(['detach-interface', instanceUuid, nic.type, '--mac', nic.mac, '--config']);
    }
    if (state === 'shut off') return this.removeUnpluggedFilters(instanceUuid, interfaces);
    for (const nic of await stale([])) {
      // A guest that has not answered an earlier unplug yet is still removing it: that is done.
      await this.virsh
        .onDomain(['detach-interface', instanceUuid, nic.type, '--mac', nic.mac, '--live'])
        .catch((error: unknown) => {
          if (!(error instanceof LibvirtError && /being removed|not found/i.test(error.libvirtMessage)))
            throw error;
        });
    }
    await this.removeUnpluggedFilters(instanceUuid, interfaces);
  }

  /** The filters of ports no longer plugged go (one the guest still holds is left for destroy). */
  private async removeUnpluggedFilters(instanceUuid: string, interfaces: GuestInterface[]): Promise<void> {
    const keep = interfaces.map((nic) => nic.portId);
    await this.filters.undefine(instanceUuid, { keep, leaveInUse: true });
  }

  /** The serial console's log file, its last 100 KiB as Nova returns it. */
  async getConsoleOutput(instanceUuid: string): Promise<string> {
    await this.domain(instanceUuid);
    const path = this.filesOf(instanceUuid).consoleLog;
    const file = await open(path).catch(() => undefined);
    if (!file) return '';
    try {
      const { size } = await file.stat();
      const length = Math.min(size, MAX_CONSOLE_BYTES);
      const buffer = Buffer.alloc(length);
      await file.read(buffer, 0, length, size - length);
      return buffer.toString('utf8');
    } finally {
      await file.close();
    }
  }

  /**
   * As Nova's migrate_disk_and_power_off: the guest off, its directory kept as <uuid>_resize
   * for a revert, and its files copied to the destination's instance directory (this host's own
   * for a resize in place). The domain stays defined here until confirm or revert.
   */
  async migrateDiskAndPowerOff(
    instanceUuid: string,
    destHost: string,
    options: { timeoutSeconds?: number } = {},
  ): Promise<void> {
    const files = this.filesOf(instanceUuid);
    const kept = this.keptFilesOf(instanceUuid);
    const keptAlready = await pathExists(kept.directory);
    if (!keptAlready) {
      await this.powerOff(instanceUuid, options);
      if (!(await pathExists(files.directory))) throw new GuestNotFound(instanceUuid);
      await rename(files.directory, kept.directory);
    }
    const target = InstanceFiles.of(join(this.instancesRoot, destHost), instanceUuid);
    await mkdir(target.directory, { recursive: true });
    for (const name of ['disk', 'disk.eph0', 'disk.swap', 'kernel', 'ramdisk', 'console.log']) {
      const from = join(kept.directory, name);
      const to = join(target.directory, name);
      if (!(await pathExists(from)) || (await pathExists(to))) continue;
      await copyAtomically(from, to);
    }
  }

  /**
   * As Nova's finish_migration: the copied disks grown to the new flavor (and rebased onto this
   * host's copy of the image), the domain defined with the new flavor, started when powerOn.
   */
  async finishMigration(spec: GuestSpec, powerOn: boolean): Promise<SpawnedGuest> {
    const uuid = spec.instanceUuid;
    const files = this.filesOf(uuid);
    if (!(await pathExists(files.rootDisk))) {
      throw new VirtDriverError(`The disks of instance ${uuid} did not arrive on host ${this.host}.`, false);
    }
    const current = await this.info(uuid);
    if (!current || current.state === 'shut off') {
      if (spec.imagePath) await rebaseOnto(files.rootDisk, spec.imagePath);
      await growTo(files.rootDisk, spec.flavor.rootGb);
      await this.createDisks(spec, files);
      await this.define(spec, files);
    }
    if (powerOn) await this.start(uuid);
    return this.spawned(spec);
  }

  /** The kept source files go; on a host the guest left, so does its old domain. */
  async confirmMigration(instanceUuid: string): Promise<void> {
    await this.keptFilesOf(instanceUuid).remove();
    if (!(await pathExists(this.filesOf(instanceUuid).directory))) {
      await this.undefine(instanceUuid);
      await this.filters.undefine(instanceUuid);
    }
  }

  /** As Nova's finish_revert_migration: the kept files are the guest's again, the domain defined with the old flavor. */
  async finishRevertMigration(spec: GuestSpec, powerOn: boolean): Promise<SpawnedGuest> {
    const uuid = spec.instanceUuid;
    const files = this.filesOf(uuid);
    const kept = this.keptFilesOf(uuid);
    if (await pathExists(kept.directory)) {
      // On a resize in place the resized guest runs from the instance directory: it goes first.
      await this.stop(uuid);
      await files.remove();
      await rename(kept.directory, files.directory);
      await this.define(spec, files);
    } else if (!(await this.info(uuid))) {
      await this.define(spec, files);
    }
    if (powerOn) await this.start(uuid);
    return this.spawned(spec);
  }

  async checkCanLiveMigrateDestination(spec: GuestSpec, sourceHost: string): Promise<void> {
    const uuid = spec.instanceUuid;
    if (sourceHost === this.host) {
      throw new VirtDriverError(
        `Instance ${uuid} cannot be live migrated to its own host ${this.host}.`,
        false,
      );
    }
    const existing = await this.info(uuid);
    if (existing) throw new VirtDriverError(`Instance ${uuid} already exists on host ${this.host}.`, false);
  }

  async checkCanLiveMigrateSource(instanceUuid: string, _destHost: string): Promise<void> {
    const domain = await this.domain(instanceUuid);
    if (await pathExists(this.keptFilesOf(instanceUuid).directory)) {
      throw new VirtDriverError(
        `Cannot live migrate instance ${instanceUuid} while it is being migrated.`,
        false,
      );
    }
    const state = guardState(domain);
    if (state !== PowerState.RUNNING && state !== PowerState.PAUSED) {
      throw new VirtDriverError(
        `Cannot live migrate instance ${instanceUuid} while it is ${POWER_STATE_NAMES[state]}.`,
        false,
      );
    }
  }

  /** As Nova's pre_live_migration without shared storage: the disks created empty on this host's image cache, and the incoming domain's XML. */
  async preLiveMigration(spec: GuestSpec): Promise<void> {
    const files = this.filesOf(spec.instanceUuid);
    await mkdir(files.directory, { recursive: true });
    await this.createDisks(spec, files);
    // The incoming domain's interfaces refer to them: libvirt here needs them before it arrives.
    await this.filters.define(spec.instanceUuid, spec.interfaces);
    await writeFile(files.domainXml, this.xmlOf(spec, files, await this.diskLayout(spec, files)));
  }

  /**
   * Copies the running guest with its disks' own blocks (libvirt's incremental block migration)
   * to the destination's daemon, which defines it from the XML the destination prepared. A retry
   * joins the copy still running (in this process, or in libvirt after a killed worker began it);
   * one after the guest arrived finds it gone from here and running there.
   */
  async liveMigrate(instanceUuid: string, destHost: string, control: LiveMigrationControl): Promise<void> {
    const running = this.migrations.get(instanceUuid);
    if (running) return running.join(control);
    const destUri = this.config.libvirt.live_migration_uri.replace('%s', destHost);
    const destination = new Virsh(destUri);
    await awaitOrphanedMigration(this.virsh, instanceUuid, control);
    if (!(await this.info(instanceUuid))) {
      if (await destination.onDomain(['domstate', instanceUuid])) return;
      throw new GuestNotFound(instanceUuid);
    }
    await this.checkCanLiveMigrateSource(instanceUuid, destHost);
    const destXml = InstanceFiles.of(join(this.instancesRoot, destHost), instanceUuid).domainXml;
    const job = new LiveMigrationJob(this.virsh, instanceUuid, {
      destUri,
      destXml,
      inboundAddress: this.config.libvirt.live_migration_inbound_addr,
    });
    this.migrations.set(instanceUuid, job);
    try {
      await job.run(control);
    } finally {
      this.migrations.delete(instanceUuid);
    }
  }

  /** As Nova's: the guest is paused, so that its last pass copies what little is left. */
  async liveMigrationForceComplete(instanceUuid: string): Promise<void> {
    const job = this.migrations.get(instanceUuid);
    if (job) return job.forceComplete();
    if (!(await this.info(instanceUuid))) return; // It has left: the copy converged.
    throw new VirtDriverError(`No live migration of instance ${instanceUuid} is in progress.`, false);
  }

  /** The guest runs here now; a guest the source paused only to converge is resumed. */
  async postLiveMigrationAtDestination(instanceUuid: string, paused: boolean): Promise<SpawnedGuest> {
    const domain = await this.domain(instanceUuid);
    if (!paused && domain.state === 'paused') await this.virsh.run(['resume', instanceUuid]);
    const { powerState } = await this.getInfo(instanceUuid);
    const xml = await readFile(this.filesOf(instanceUuid).domainXml, 'utf8').catch(() => '');
    return { powerState, rootDeviceName: /bus="(scsi|sata)"/.test(xml) ? '/dev/sda' : '/dev/vda' };
  }

  private filesOf(instanceUuid: string): InstanceFiles {
    return InstanceFiles.of(this.instancesDir, instanceUuid);
  }

  /** The files a cold move's source keeps for a revert. */
  private keptFilesOf(instanceUuid: string): InstanceFiles {
    return InstanceFiles.resizeSourceOf(this.instancesDir, instanceUuid);
  }

  /** The domain powered off and forgotten by libvirt, with its managed-save image; a domain already gone is fine. */
  private async undefine(instanceUuid: string): Promise<void> {
    await this.stop(instanceUuid);
    await this.virsh.onDomain(['undefine', instanceUuid, '--managed-save']);
  }

  /** Creates the disks and boot files of spec that are not there yet. */
  private async createDisks(spec: GuestSpec, files: InstanceFiles): Promise<void> {
    const { flavor } = spec;
    if (!(await pathExists(files.rootDisk))) {
      if (!spec.imagePath) throw new VirtDriverError(`image ${spec.image.id} is not in the image cache`);
      await createOverlay(spec.imagePath, files.rootDisk, flavor.rootGb);
    }
    if (flavor.ephemeralGb > 0 && !(await pathExists(files.ephemeralDisk)))
      await createBlank(files.ephemeralDisk, flavor.ephemeralGb * 1024);
    if (flavor.swap > 0 && !(await pathExists(files.swapDisk)))
      await createBlank(files.swapDisk, flavor.swap);
    for (const [from, to] of [
      [spec.kernelPath, files.kernel],
      [spec.ramdiskPath, files.ramdisk],
    ] as const) {
      if (from && !(await pathExists(to))) await copyAtomically(from, to);
    }
  }

  private async diskLayout(spec: GuestSpec, files: InstanceFiles) {
    return {
      ephemeral: spec.flavor.ephemeralGb > 0,
      swap: spec.flavor.swap > 0,
      kernel: await pathExists(files.kernel),
      ramdisk: await pathExists(files.ramdisk),
    };
  }

  private xmlOf(
    spec: GuestSpec,
    files: InstanceFiles,
    layout: Awaited<ReturnType<LibvirtDriver['diskLayout']>>,
  ) {
    return domainXml(spec, files, {
      virtType: this.config.libvirt.virt_type,
      arch: hostArchitecture(),
      ...layout,
    });
  }

  /** Writes the domain's XML into its directory (as Nova's libvirt.xml) and defines it from there. */
  private async define(spec: GuestSpec, files: InstanceFiles): Promise<void> {
    await this.filters.define(spec.instanceUuid, spec.interfaces);
    await writeFile(files.domainXml, this.xmlOf(spec, files, await this.diskLayout(spec, files)));
    await this.virsh.run(['define', files.domainXml]);
  }

  /** Starts the domain unless it runs. */
  private async start(instanceUuid: string): Promise<void> {
    const domain = await this.domain(instanceUuid);
    if (domain.state === 'running' || domain.state === 'paused') return;
    await this.virsh.run(['start', instanceUuid]);
  }

  /** Powers the domain off at once (virsh destroy); one that is off or gone is fine. */
  private async stop(instanceUuid: string): Promise<void> {
    const domain = await this.info(instanceUuid);
    if (!domain || domain.state === 'shut off') return;
    try {
      await this.virsh.run(['destroy', instanceUuid]);
    } catch (error) {
      const after = await this.info(instanceUuid);
      if (after && after.state !== 'shut off') throw error;
    }
  }

  /**
   * ACPI shutdown, then up to timeoutSeconds for the guest to be off; false if it is still up.
   * The request is repeated (as Nova's retry_interval does): a guest still booting misses it.
   */
  private async shutDownCleanly(instanceUuid: string, timeoutSeconds: number): Promise<boolean> {
    const deadline = Date.now() + timeoutSeconds * 1000;
    let nextRequest = 0;
    while (Date.now() < deadline) {
      const { state } = await this.domain(instanceUuid);
      if (state === 'shut off') return true;
      if (Date.now() >= nextRequest && state === 'running') {
        await this.virsh.onDomain(['shutdown', instanceUuid, '--mode', 'acpi']).catch(() => undefined);
        nextRequest = Date.now() + SHUTDOWN_RETRY_MS;
      }
      await sleep(250);
    }
    return false;
  }

  private async transition(action: GuardedAction, instanceUuid: string, command: string[]): Promise<void> {
    const current = guardState(await this.domain(instanceUuid));
    const target = powerStateAfter(action, instanceUuid, current);
    if (current !== target) await this.virsh.run(command);
  }

  private async spawned(spec: GuestSpec): Promise<SpawnedGuest> {
    const { powerState } = await this.getInfo(spec.instanceUuid);
    return { powerState, rootDeviceName: rootDeviceName(spec) };
  }

  /**
   * Every domain of this host with its info. Callers at the same moment share one reading: a host
   * report asks for the resources and the guests at once, and each would list every domain.
   */
  private allDomains(): Promise<Map<string, DomainInfo>> {
    this.domainsReading ??= this.readDomains().finally(() => (this.domainsReading = undefined));
    return this.domainsReading;
  }

  private async readDomains(): Promise<Map<string, DomainInfo>> {
    const out = await this.virsh.run(['list', '--all', '--uuid']);
    const uuids = out
      .split('\n')
      .map((line) => line.trim())
      .filter(Boolean);
    const infos = await Promise.all(uuids.map(async (uuid) => [uuid, await this.info(uuid)] as const));
    // A domain undefined between the listing and its info is not there.
    return new Map(infos.flatMap(([uuid, info]) => (info ? [[uuid, info] as const] : [])));
  }

  /** The domain's state, or undefined when libvirt has no such domain. */
  private async info(instanceUuid: string): Promise<DomainInfo | undefined> {
    const out = await this.virsh.onDomain(['dominfo', instanceUuid]);
    if (out === undefined) return undefined;
    const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(out)?.[1].trim() ?? '';
    return {
      state: field('State'),
      managedSave: field('Managed save') === 'yes',
      vcpus: Number(field('CPU\\(s\\)')) || 0,
    };
  }

  private async domain(instanceUuid: string): Promise<DomainInfo> {
    const info = await this.info(instanceUuid);
    if (!info) throw new GuestNotFound(instanceUuid);
    return info;
  }
}

/**
 * The state that decides which actions a domain allows: a domain off with a managed-save image
 * is suspended (it resumes, it does not unpause), though Nova reports its power state as SHUTDOWN.
 */
function guardState(domain: DomainInfo): PowerState {
  return domain.managedSave && domain.state === 'shut off'
    ? PowerState.SUSPENDED
    : powerStateOf(domain.state);
}

/** The interfaces `virsh domiflist` lists (Interface, Type, Source, Model, MAC; the header matches no MAC). */
function interfacesOf(listing: string): { type: string; mac: string }[] {
  return listing.split('\n').flatMap((line) => {
    const fields = line.trim().split(/\s+/);
    const mac = fields.at(-1)?.toLowerCase() ?? '';
    return fields.length >= 5 && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(mac) ? [{ type: fields[1], mac }] : [];
  });
}
