import { type PowerState } from '../../../common/power-state';

/** What a hypervisor has, as Nova's get_available_resource reports it. */
export interface HostResources {
  hypervisorHostname: string;
  hypervisorType: string;
  hypervisorVersion: number;
  hostIp: string;
  vcpus: number;
  memoryMb: number;
  localGb: number;
  vcpusUsed: number;
  memoryMbUsed: number;
  localGbUsed: number;
}

/** What a driver can do; callers check before asking (Nova's driver.capabilities). */
export interface DriverCapabilities {
  supportsEvacuate: boolean;
  supportsMigrateToSameHost: boolean;
}

/**
 * The one interface every virt driver implements: the fake driver for scale and tests, the
 * libvirt driver for real guests. Methods are idempotent because Temporal retries activities.
 */
export interface VirtDriver {
  readonly capabilities: DriverCapabilities;
  getAvailableResource(): Promise<HostResources>;
  /** Guests on this hypervisor, by instance uuid, with their power state. */
  listGuests(): Promise<Map<string, PowerState>>;
}
