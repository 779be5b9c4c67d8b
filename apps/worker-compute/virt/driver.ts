import { type FirewallRule, type GuestInterface, type GuestSpec } from '../../../common/compute/guest-spec';
import { type HostResources } from '../../../common/host-report';
import { type PowerState } from '../../../common/power-state';

export type { FirewallRule, GuestInterface, GuestSpec, HostResources };

/** What a driver can do; callers check before asking (Nova's driver.capabilities). */
export interface DriverCapabilities {
  /** Rebuilding a guest of a host that is down on this one (Nova's supports_evacuate). */
  supportsEvacuate: boolean;
  /** A cold migration whose destination is its own host (Nova's supports_migrate_to_same_host). */
  supportsMigrateToSameHost: boolean;
  /** Moving a running guest to another host of the same driver. */
  supportsLiveMigration: boolean;
  /** Whether spawn needs the image's data on local disk (the image cache fills it first). */
  needsImageData: boolean;
}

/** What the hypervisor says of a guest it started. */
export interface SpawnedGuest {
  powerState: PowerState;
  rootDeviceName: string;
}

/** A driver failure; `retryOnAnotherHost` tells the conductor whether rescheduling may help. */
export class VirtDriverError extends Error {
  override name = 'VirtDriverError';

  constructor(
    message: string,
    readonly retryOnAnotherHost = true,
  ) {
    super(message);
  }
}

/** Nova's InstanceNotFound from a driver: this hypervisor has no such guest. */
export class GuestNotFound extends VirtDriverError {
  override name = 'GuestNotFound';

  constructor(readonly instanceUuid: string) {
    // Another host cannot have the guest either: it lives where it was spawned.
    super(`Instance ${instanceUuid} could not be found.`, false);
  }
}

/** How far a live migration has got, in bytes (Nova's migration memory_* and disk_* fields). */
export interface LiveMigrationProgress {
  memoryTotal: number;
  memoryProcessed: number;
  memoryRemaining: number;
  diskTotal: number;
  diskProcessed: number;
  diskRemaining: number;
}

/** What the caller of a live migration hands the driver: where progress goes, and how to abort. */
export interface LiveMigrationControl {
  /** Called as the copy advances, at most every few hundred milliseconds. */
  onProgress(progress: LiveMigrationProgress): void;
  /** Aborted: the driver stops the copy, leaves the guest running on the source, and throws. */
  signal: AbortSignal;
  /** Asked to converge from the start (a force-complete that came before the copy began). */
  forceComplete?: boolean;
}

/** The copy was aborted (Nova's live_migration_abort): the guest still runs on the source. */
export class LiveMigrationAborted extends VirtDriverError {
  override name = 'LiveMigrationAborted';

  constructor(instanceUuid: string) {
    super(`Live migration of instance ${instanceUuid} was aborted.`, false);
  }
}

/** Nova's reboot types: SOFT asks the guest to restart, HARD resets it. */
export type RebootType = 'SOFT' | 'HARD';

/**
 * The one interface every virt driver implements: the fake driver for scale and tests, the
 * libvirt driver for real guests. Every method is idempotent, because Temporal retries
 * activities: spawning a guest that exists, or destroying one that is gone, succeeds.
 */
export interface VirtDriver {
  readonly capabilities: DriverCapabilities;
  getAvailableResource(): Promise<HostResources>;
  /** Guests on this hypervisor, by instance uuid, with their power state. */
  listGuests(): Promise<Map<string, PowerState>>;
  /** Creates the guest's disks (root from the image, ephemeral, swap). */
  prepareBlockDevices(spec: GuestSpec): Promise<void>;
  /** Defines and starts the guest. */
  spawn(spec: GuestSpec): Promise<SpawnedGuest>;
  /** Powers the guest off and removes it with its disks. */
  destroy(instanceUuid: string): Promise<void>;

  // The in-place server actions. Each throws GuestNotFound for a guest this hypervisor lacks;
  // asking for the state the guest is already in succeeds and changes nothing; a transition its
  // state does not allow (unpausing a guest that is off) is a VirtDriverError no host can fix.

  /** The guest's power state as the hypervisor reports it now. */
  getInfo(instanceUuid: string): Promise<{ powerState: PowerState }>;
  /** Asks the guest to shut down (ACPI), waits up to timeoutSeconds, then powers it off. */
  powerOff(instanceUuid: string, options?: { timeoutSeconds?: number }): Promise<void>;
  /** Starts a guest that is off. */
  powerOn(instanceUuid: string): Promise<void>;
  /**
   * SOFT asks the guest to restart (ACPI) and waits for it to come back; HARD resets it. Either
   * leaves the guest running, whatever its state before (as Nova's hard reboot of a stopped,
   * paused or suspended guest does).
   */
  reboot(instanceUuid: string, type: RebootType): Promise<void>;
  /** Freezes a running guest in memory. */
  pause(instanceUuid: string): Promise<void>;
  unpause(instanceUuid: string): Promise<void>;
  /** Saves a running guest's memory to disk and stops it. */
  suspend(instanceUuid: string): Promise<void>;
  resume(instanceUuid: string): Promise<void>;
  /** The guest's serial console log so far. */
  getConsoleOutput(instanceUuid: string): Promise<string>;
  /**
   * The guest's interfaces as the network service has them now (Nova's network-changed and
   * network-vif-deleted events): an interface whose port is not in `interfaces` is unplugged, the
   * others take the addresses given. It never plugs one. A sync read before (`asOf`, ms) the one
   * last applied changes nothing, so that syncs delivered out of order end at the newest.
   */
  syncInterfaces(instanceUuid: string, interfaces: GuestInterface[], asOf: number): Promise<void>;

  // Cold moves (resize and migrate), as Nova's driver API: the source hands over, the destination
  // finishes, then confirm or revert. On the source host itself (a resize to the same host) the
  // one guest changes in place and keeps what it needs to revert.

  /** Source: shuts the guest down (cleanly within timeoutSeconds) and copies its disks for destHost; the source keeps its copy. */
  migrateDiskAndPowerOff(
    instanceUuid: string,
    destHost: string,
    options?: { timeoutSeconds?: number },
  ): Promise<void>;
  /** Destination: the guest from its migrated disks with spec.flavor, started when powerOn. */
  finishMigration(spec: GuestSpec, powerOn: boolean): Promise<SpawnedGuest>;
  /** Source: the move is confirmed: the source's copy goes (on the same host: the old flavor). */
  confirmMigration(instanceUuid: string): Promise<void>;
  /** Source: the move is reverted: its copy (spec.flavor, the old one) is the guest again, started when powerOn. */
  finishRevertMigration(spec: GuestSpec, powerOn: boolean): Promise<SpawnedGuest>;

  // Live migration, as Nova's: checks on both sides, the destination prepared, the copy from the
  // source, then the destination takes over and the source cleans up (destroy).

  /** Destination: refuses (VirtDriverError) a guest it cannot take. */
  checkCanLiveMigrateDestination(spec: GuestSpec, sourceHost: string): Promise<void>;
  /** Source: refuses (VirtDriverError) to send a guest it cannot. */
  checkCanLiveMigrateSource(instanceUuid: string, destHost: string): Promise<void>;
  /** Destination: defines the incoming guest, not yet running. */
  preLiveMigration(spec: GuestSpec): Promise<void>;
  /** Source: copies the running guest to destHost and returns once it runs there. */
  liveMigrate(instanceUuid: string, destHost: string, control: LiveMigrationControl): Promise<void>;
  /** Source: makes a running copy converge now (Nova pauses the guest for its last pass). */
  liveMigrationForceComplete(instanceUuid: string): Promise<void>;
  /** Destination: the incoming guest runs here now, paused when it was paused on the source. */
  postLiveMigrationAtDestination(instanceUuid: string, paused: boolean): Promise<SpawnedGuest>;
}
