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
}
