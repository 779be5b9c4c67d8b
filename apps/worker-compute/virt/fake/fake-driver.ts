import { basename, dirname, join } from 'node:path';
import { type Config } from '../../../../common/config';
import { PowerState } from '../../../../common/power-state';
import {
  type DriverCapabilities,
  type GuestInterface,
  GuestNotFound,
  type GuestSpec,
  type HostResources,
  type LiveMigrationControl,
  type LiveMigrationProgress,
  type RebootType,
  type SpawnedGuest,
  type VirtDriver,
  VirtDriverError,
} from '../driver';
import { hostArchitecture } from '../host-architecture';
import { type BootCause, firstBootLog, rebootLine } from './console-log';
import { FaultInjection } from './fault-injection';
import { GuestStore } from './guest-store';
import { LiveCopy } from './live-copy';
import { type GuardedAction, POWER_STATE_NAMES, powerStateAfter } from '../power-transitions';

/** The root disk name Nova's fake driver gives every guest. */
const ROOT_DEVICE_NAME = '/dev/sda';

/** The capabilities [fake_driver] disabled_capabilities can turn off, by their option names. */
const CAPABILITY_OPTION_NAMES = {
  supports_evacuate: 'supportsEvacuate',
  supports_migrate_to_same_host: 'supportsMigrateToSameHost',
  supports_live_migration: 'supportsLiveMigration',
} as const;

/** What a guest uses of its host: its flavor's, whatever its power state. */
interface Resources {
  vcpus: number;
  memoryMb: number;
  diskGb: number;
}

interface FakeGuest extends Resources {
  instanceUuid: string;
  powerState: PowerState;
  hostname: string;
  consoleLog: string[];
  /** Boots so far; 0 for a guest that has not run yet (moved here powered off). */
  boots: number;
  /** The source copy of a cold move to this host, from migrateDiskAndPowerOff to confirm or revert. */
  movingTo?: string;
  /** Resized in place (a cold move to its own host): what it used before, until confirm or revert. */
  resizedFrom?: Resources;
  /** Defined here by preLiveMigration, not running here until postLiveMigrationAtDestination. */
  incoming?: boolean;
  /** The guest's network interfaces, as plugged at spawn and synced since (absent in guests kept before). */
  interfaces?: GuestInterface[];
  /** When the network state of the last sync applied was read (ms). */
  interfacesAsOf?: number;
}

const resourcesOf = ({ flavor }: GuestSpec): Resources => ({
  vcpus: flavor.vcpus,
  memoryMb: flavor.memoryMb,
  diskGb: flavor.rootGb + flavor.ephemeralGb + Math.ceil(flavor.swap / 1024),
});

const isRunningOrPaused = (state: PowerState) => state === PowerState.RUNNING || state === PowerState.PAUSED;

/**
 * A hypervisor without guests that run, as Nova's fake driver: it documents the semantics a real
 * driver must have (idempotent spawn and destroy, power states, resources that guests use, moves)
 * and runs at any scale. With a state file its guests outlive the compute worker, as a real
 * host's outlive nova-compute; without one they vanish with the process, as on a host that rebooted.
 */
export class FakeDriver implements VirtDriver {
  readonly capabilities: DriverCapabilities;
  private readonly guests: Map<string, FakeGuest>;
  /** Where the guests outlive this process (a restart of the compute worker); none: memory only. */
  private readonly store: GuestStore<FakeGuest> | undefined;
  private readonly faults: FaultInjection;
  /** The live copies running from this host, by instance uuid. */
  private readonly liveCopies = new Map<string, LiveCopy>();
  /** Another fake host's guests, as a libvirt source asks the destination's libvirtd. */
  private readonly peerStore: ((host: string) => GuestStore<FakeGuest>) | undefined;
  /** Guests that left this host by live migration, so that a retried liveMigrate succeeds. */
  private readonly departed = new Map<string, { destHost: string; progress?: LiveMigrationProgress }>();

  constructor(
    private readonly host: string,
    private readonly config: Config,
    stateFile?: string,
  ) {
    this.store = stateFile ? new GuestStore<FakeGuest>(stateFile) : undefined;
    this.peerStore = stateFile
      ? (peer) => new GuestStore<FakeGuest>(join(dirname(dirname(stateFile)), peer, basename(stateFile)))
      : undefined;
    this.guests = this.store?.load() ?? new Map();
    const fake = config.fake_driver;
    const disabled = new Set(
      fake.disabled_capabilities
        .map((entry) => entry.split(':'))
        .filter((parts) => parts.length === 1 || parts[0] === host)
        .map(
          (parts) => CAPABILITY_OPTION_NAMES[parts[parts.length - 1] as keyof typeof CAPABILITY_OPTION_NAMES],
        ),
    );
    this.capabilities = {
      supportsEvacuate: !disabled.has('supportsEvacuate'),
      supportsMigrateToSameHost: !disabled.has('supportsMigrateToSameHost'),
      supportsLiveMigration: !disabled.has('supportsLiveMigration'),
      needsImageData: fake.fetch_images,
    };
    this.faults = new FaultInjection(host, fake.fail_methods, fake.slow_methods);
  }

  /** Every guest uses its flavor's resources whatever its power state, as Nova counts them. */
  async getAvailableResource(): Promise<HostResources> {
    const guests = [...this.guests.values()];
    const sum = (pick: (guest: FakeGuest) => number) =>
      guests.reduce((total, guest) => total + pick(guest), 0);
    return {
      hypervisorHostname: this.host,
      hypervisorType: 'fake',
      hypervisorVersion: 1000,
      hostIp: '127.0.0.1',
      cpuArch: hostArchitecture(),
      vcpus: this.config.fake_driver.vcpus,
      memoryMb: this.config.fake_driver.memory_mb,
      localGb: this.config.fake_driver.local_gb,
      vcpusUsed: sum((guest) => guest.vcpus),
      memoryMbUsed: sum((guest) => guest.memoryMb),
      localGbUsed: sum((guest) => guest.diskGb),
    };
  }

  async listGuests(): Promise<Map<string, PowerState>> {
    return new Map([...this.guests].map(([uuid, guest]) => [uuid, guest.powerState]));
  }

  /** Fake disks live in memory with the guest; only the image cache must hold the image. */
  prepareBlockDevices(spec: GuestSpec): Promise<void> {
    return this.act('prepareBlockDevices', async () => {
      if (this.capabilities.needsImageData && !spec.imagePath) {
        throw new VirtDriverError(`image ${spec.image.id} is not in the image cache`);
      }
    });
  }

  spawn(spec: GuestSpec): Promise<SpawnedGuest> {
    return this.act('spawn', async () => {
      const guest = this.guests.get(spec.instanceUuid) ?? this.define(spec, true);
      return spawned(guest);
    });
  }

  destroy(instanceUuid: string): Promise<void> {
    return this.act('destroy', async () => {
      this.guests.delete(instanceUuid);
      this.departed.delete(instanceUuid);
    });
  }

  async getInfo(instanceUuid: string): Promise<{ powerState: PowerState }> {
    return { powerState: this.guest(instanceUuid).powerState };
  }

  /** A fake guest obeys ACPI at once, so the timeout never runs out (slow_methods makes one that does). */
  powerOff(instanceUuid: string, _options?: { timeoutSeconds?: number }): Promise<void> {
    return this.act('powerOff', async () => {
      this.guest(instanceUuid).powerState = PowerState.SHUTDOWN;
    });
  }

  /** As libvirt's power_on, which is a hard reboot: whatever the guest was doing, it boots afresh. */
  powerOn(instanceUuid: string): Promise<void> {
    return this.act('powerOn', async () => {
      const guest = this.guest(instanceUuid);
      if (guest.powerState !== PowerState.RUNNING) this.boot(guest, 'power on');
    });
  }

  /** A soft reboot of a guest that is not running falls back to a hard one, as on libvirt. */
  reboot(instanceUuid: string, type: RebootType): Promise<void> {
    const soft = type === 'SOFT' && this.guests.get(instanceUuid)?.powerState === PowerState.RUNNING;
    return this.act(soft ? 'softReboot' : 'hardReboot', async () => {
      this.boot(this.guest(instanceUuid), soft ? 'soft reboot' : 'hard reboot');
    });
  }

  pause(instanceUuid: string): Promise<void> {
    return this.transition('pause', instanceUuid);
  }

  unpause(instanceUuid: string): Promise<void> {
    return this.transition('unpause', instanceUuid);
  }

  suspend(instanceUuid: string): Promise<void> {
    return this.transition('suspend', instanceUuid);
  }

  resume(instanceUuid: string): Promise<void> {
    return this.transition('resume', instanceUuid);
  }

  /** The log survives power-off, as a console log file does, and goes with the guest. */
  getConsoleOutput(instanceUuid: string): Promise<string> {
    return this.act('getConsoleOutput', async () => this.guest(instanceUuid).consoleLog.join('\n'));
  }

  /** The guest's interfaces as plugged now (the fake's view of its NICs, for tests). */
  interfacesOf(instanceUuid: string): GuestInterface[] {
    return this.guest(instanceUuid).interfaces ?? [];
  }

  /** Unplugs the interfaces whose port is gone and records the others' addresses; a stale sync is ignored. */
  syncInterfaces(instanceUuid: string, interfaces: GuestInterface[], asOf: number): Promise<void> {
    return this.act('syncInterfaces', async () => {
      const guest = this.guest(instanceUuid);
      if ((guest.interfacesAsOf ?? 0) > asOf) return;
      const plugged = new Set((guest.interfaces ?? []).map((nic) => nic.portId));
      guest.interfaces = interfaces.filter((nic) => plugged.has(nic.portId));
      guest.interfacesAsOf = asOf;
    });
  }

  /** Off and marked as the source of a cold move; it keeps its disks and resources until confirmed. */
  migrateDiskAndPowerOff(
    instanceUuid: string,
    destHost: string,
    _options?: { timeoutSeconds?: number },
  ): Promise<void> {
    return this.act('migrateDiskAndPowerOff', async () => {
      const guest = this.guest(instanceUuid);
      if (destHost === this.host && !this.capabilities.supportsMigrateToSameHost) {
        throw new VirtDriverError(`Host ${this.host} cannot migrate instance ${instanceUuid} to itself.`);
      }
      guest.powerState = PowerState.SHUTDOWN;
      guest.movingTo = destHost;
    });
  }

  /**
   * On another host the guest is defined from spec with its new flavor; on its own host (a resize
   * there) the one guest takes the new flavor and keeps the old one to revert to.
   */
  finishMigration(spec: GuestSpec, powerOn: boolean): Promise<SpawnedGuest> {
    return this.act('finishMigration', async () => {
      const existing = this.guests.get(spec.instanceUuid);
      if (!existing) return spawned(this.define(spec, powerOn));
      if (existing.movingTo !== this.host || existing.resizedFrom) return spawned(existing);
      existing.resizedFrom = { vcpus: existing.vcpus, memoryMb: existing.memoryMb, diskGb: existing.diskGb };
      Object.assign(existing, resourcesOf(spec), { interfaces: spec.interfaces });
      this.setPower(existing, powerOn);
      return spawned(existing);
    });
  }

  /** The source copy of a move to another host goes; a guest resized in place forgets its old flavor. */
  confirmMigration(instanceUuid: string): Promise<void> {
    return this.act('confirmMigration', async () => {
      const guest = this.guests.get(instanceUuid);
      if (!guest) return;
      if (guest.movingTo !== undefined && guest.movingTo !== this.host) {
        this.guests.delete(instanceUuid);
        return;
      }
      delete guest.movingTo;
      delete guest.resizedFrom;
    });
  }

  /**
   * The source copy, with spec.flavor (the old one), is the guest again. A guest resized in place
   * stops being the resized one and starts afresh from its old disks, as libvirt redefines it.
   */
  finishRevertMigration(spec: GuestSpec, powerOn: boolean): Promise<SpawnedGuest> {
    return this.act('finishRevertMigration', async () => {
      const guest = this.guest(spec.instanceUuid);
      if (guest.movingTo !== undefined) {
        if (guest.resizedFrom) guest.powerState = PowerState.SHUTDOWN;
        // Redefined from the spec, as libvirt redefines it: the ports it has now.
        Object.assign(guest, resourcesOf(spec), { interfaces: spec.interfaces });
        delete guest.movingTo;
        delete guest.resizedFrom;
      }
      this.setPower(guest, powerOn);
      return spawned(guest);
    });
  }

  checkCanLiveMigrateDestination(spec: GuestSpec, sourceHost: string): Promise<void> {
    return this.act('checkCanLiveMigrateDestination', async () => {
      const uuid = spec.instanceUuid;
      if (!this.capabilities.supportsLiveMigration) {
        throw new VirtDriverError(`Host ${this.host} does not support live migration.`, false);
      }
      if (sourceHost === this.host) {
        throw new VirtDriverError(
          `Instance ${uuid} cannot be live migrated to its own host ${this.host}.`,
          false,
        );
      }
      const existing = this.guests.get(uuid);
      if (existing && !existing.incoming) {
        throw new VirtDriverError(`Instance ${uuid} already exists on host ${this.host}.`, false);
      }
    });
  }

  checkCanLiveMigrateSource(instanceUuid: string, _destHost: string): Promise<void> {
    return this.act('checkCanLiveMigrateSource', async () => {
      const guest = this.guest(instanceUuid);
      if (!this.capabilities.supportsLiveMigration) {
        throw new VirtDriverError(`Host ${this.host} does not support live migration.`, false);
      }
      this.assertCanSend(guest);
    });
  }

  /** The incoming guest defined here, paused as libvirt defines an incoming domain. */
  preLiveMigration(spec: GuestSpec): Promise<void> {
    return this.act('preLiveMigration', async () => {
      if (this.guests.has(spec.instanceUuid)) return;
      const guest = this.define(spec, false);
      guest.powerState = PowerState.PAUSED;
      guest.incoming = true;
      // It has booted, elsewhere: its console on this host starts empty, as a new log file does.
      guest.boots = 1;
    });
  }

  /**
   * Copies the guest for the time slow_methods gives liveMigrate (0: at once), reporting progress
   * every tick; then the guest has left: it is no longer on this host. Aborted, or failed by
   * fail_methods (at the switch-over, after the copy), it stays here in the state it had before.
   * Not through `around`: the copy spends the method's delay itself, reporting progress meanwhile.
   */
  async liveMigrate(instanceUuid: string, destHost: string, control: LiveMigrationControl): Promise<void> {
    const running = this.liveCopies.get(instanceUuid);
    if (running) {
      running.attach(control);
      return running.done;
    }
    const departed = this.departed.get(instanceUuid);
    if (!this.guests.has(instanceUuid) && departed?.destHost === destHost) {
      if (departed.progress) control.onProgress(departed.progress);
      return;
    }
    // Gone from here and defined there: the copy completed before this worker restarted (this
    // host keeps its guest until the copy is done), as the libvirt driver finds the domain there.
    if (!this.guests.has(instanceUuid) && this.peerStore?.(destHost).load().has(instanceUuid)) return;
    const guest = this.guest(instanceUuid);
    this.assertCanSend(guest);
    const before = guest.powerState;
    const copy = new LiveCopy(
      instanceUuid,
      guest.memoryMb,
      this.faults.delayOf('liveMigrate'),
      {
        onForceComplete: () => {
          if (guest.powerState === PowerState.RUNNING) guest.powerState = PowerState.PAUSED;
        },
        beforeTick: () => {
          if (this.guests.get(instanceUuid) !== guest) throw new GuestNotFound(instanceUuid);
        },
        beforeSwitchOver: () => this.faults.failIfInjected('liveMigrate'),
      },
      control,
    );
    this.liveCopies.set(instanceUuid, copy);
    try {
      await copy.done;
    } catch (error) {
      guest.powerState = before;
      this.store?.save(() => this.guests);
      throw error;
    } finally {
      this.liveCopies.delete(instanceUuid);
    }
    this.guests.delete(instanceUuid);
    this.departed.set(instanceUuid, { destHost, progress: copy.progress });
    this.store?.save(() => this.guests);
  }

  /**
   * The running copy pauses the guest and converges at once. Without one there is nothing to
   * force, unless the guest has already left by live migration: then the copy converged.
   */
  liveMigrationForceComplete(instanceUuid: string): Promise<void> {
    return this.act('liveMigrationForceComplete', async () => {
      const copy = this.liveCopies.get(instanceUuid);
      // A retry after the forced copy completed (or one that just lost the race with it) succeeds.
      if (!copy && this.departed.has(instanceUuid) && !this.guests.has(instanceUuid)) return;
      if (!copy) {
        throw new VirtDriverError(`No live migration of instance ${instanceUuid} is in progress.`, false);
      }
      copy.forceComplete();
    });
  }

  /** The incoming guest runs here now (paused if it was paused); a retry finds it as it left it. */
  postLiveMigrationAtDestination(instanceUuid: string, paused: boolean): Promise<SpawnedGuest> {
    return this.act('postLiveMigrationAtDestination', async () => {
      const guest = this.guest(instanceUuid);
      if (guest.incoming) {
        guest.powerState = paused ? PowerState.PAUSED : PowerState.RUNNING;
        delete guest.incoming;
      }
      return spawned(guest);
    });
  }

  /** A new guest from spec, running (and booted) or off; the caller has checked it is not here. */
  private define(spec: GuestSpec, running: boolean): FakeGuest {
    const guest: FakeGuest = {
      instanceUuid: spec.instanceUuid,
      powerState: PowerState.SHUTDOWN,
      ...resourcesOf(spec),
      hostname: spec.hostname,
      consoleLog: [],
      boots: 0,
      interfaces: spec.interfaces,
    };
    if (running) this.boot(guest, 'power on');
    this.guests.set(spec.instanceUuid, guest);
    return guest;
  }

  /** Boots a guest that is not running (a running one stays as it is), or powers it off. */
  private setPower(guest: FakeGuest, powerOn: boolean): void {
    if (!powerOn) guest.powerState = PowerState.SHUTDOWN;
    else if (guest.powerState !== PowerState.RUNNING) this.boot(guest, 'power on');
  }

  /** A live migration needs a guest that runs (or is paused) and is no part of another move. */
  private assertCanSend(guest: FakeGuest): void {
    const uuid = guest.instanceUuid;
    if (guest.incoming || guest.movingTo !== undefined) {
      throw new VirtDriverError(`Cannot live migrate instance ${uuid} while it is being migrated.`, false);
    }
    if (!isRunningOrPaused(guest.powerState)) {
      throw new VirtDriverError(
        `Cannot live migrate instance ${uuid} while it is ${POWER_STATE_NAMES[guest.powerState]}.`,
        false,
      );
    }
  }

  /** Runs driver method `method` with its injected faults, then keeps the guests' new state. */
  private act<T>(method: string, work: () => Promise<T>): Promise<T> {
    return this.faults.around(method, work).finally(() => this.store?.save(() => this.guests));
  }

  private guest(instanceUuid: string): FakeGuest {
    const guest = this.guests.get(instanceUuid);
    if (!guest) throw new GuestNotFound(instanceUuid);
    return guest;
  }

  /** The first boot on this host writes the whole boot log; a later one adds a line. */
  private boot(guest: FakeGuest, cause: BootCause): void {
    guest.boots += 1;
    guest.consoleLog.push(
      ...(guest.boots === 1
        ? firstBootLog(guest.instanceUuid, guest.hostname)
        : [rebootLine(guest.hostname, guest.boots, cause)]),
    );
    guest.powerState = PowerState.RUNNING;
  }

  private transition(action: GuardedAction, instanceUuid: string): Promise<void> {
    return this.act(action, async () => {
      const guest = this.guest(instanceUuid);
      guest.powerState = powerStateAfter(action, instanceUuid, guest.powerState);
    });
  }
}

const spawned = (guest: FakeGuest): SpawnedGuest => ({
  powerState: guest.powerState,
  rootDeviceName: ROOT_DEVICE_NAME,
});
