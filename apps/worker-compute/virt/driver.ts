import { type GuestSpec } from '../../../common/compute/guest-spec';
import { type HostResources } from '../../../common/host-report';
import { type PowerState } from '../../../common/power-state';

export type { GuestSpec, HostResources };

/** What a driver can do; callers check before asking (Nova's driver.capabilities). */
export interface DriverCapabilities {
  supportsEvacuate: boolean;
  supportsMigrateToSameHost: boolean;
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
}
