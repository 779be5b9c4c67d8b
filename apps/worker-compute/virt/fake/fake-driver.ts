import { type Config } from '../../../../common/config';
import { PowerState } from '../../../../common/power-state';
import {
  type DriverCapabilities,
  type GuestSpec,
  type HostResources,
  type SpawnedGuest,
  type VirtDriver,
  VirtDriverError,
} from '../driver';
import { hostArchitecture } from '../host-architecture';
import { FaultInjection } from './fault-injection';

/** The root disk name Nova's fake driver gives every guest. */
const ROOT_DEVICE_NAME = '/dev/sda';

interface FakeGuest {
  powerState: PowerState;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
}

/**
 * A hypervisor that exists only in memory, as Nova's fake driver: it documents the semantics a
 * real driver must have (idempotent spawn and destroy, power states, resources that guests use)
 * and runs at any scale. Guests vanish when the process ends, as on a host that rebooted.
 */
export class FakeDriver implements VirtDriver {
  readonly capabilities: DriverCapabilities;
  private readonly guests = new Map<string, FakeGuest>();
  private readonly faults: FaultInjection;

  constructor(
    private readonly host: string,
    private readonly config: Config,
  ) {
    const fake = config.fake_driver;
    this.capabilities = {
      supportsEvacuate: true,
      supportsMigrateToSameHost: true,
      needsImageData: fake.fetch_images,
    };
    this.faults = new FaultInjection(host, fake.fail_methods, fake.slow_methods);
  }

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
    return this.faults.around('prepareBlockDevices', async () => {
      if (this.capabilities.needsImageData && !spec.imagePath) {
        throw new VirtDriverError(`image ${spec.image.id} is not in the image cache`);
      }
    });
  }

  spawn(spec: GuestSpec): Promise<SpawnedGuest> {
    return this.faults.around('spawn', async () => {
      const existing = this.guests.get(spec.instanceUuid);
      if (existing) return { powerState: existing.powerState, rootDeviceName: ROOT_DEVICE_NAME };
      const { flavor } = spec;
      this.guests.set(spec.instanceUuid, {
        powerState: PowerState.RUNNING,
        vcpus: flavor.vcpus,
        memoryMb: flavor.memoryMb,
        diskGb: flavor.rootGb + flavor.ephemeralGb + Math.ceil(flavor.swap / 1024),
      });
      return { powerState: PowerState.RUNNING, rootDeviceName: ROOT_DEVICE_NAME };
    });
  }

  destroy(instanceUuid: string): Promise<void> {
    return this.faults.around('destroy', async () => {
      this.guests.delete(instanceUuid);
    });
  }
}
