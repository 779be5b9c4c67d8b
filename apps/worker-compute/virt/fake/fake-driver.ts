import { type Config } from '../../../../common/config';
import { type PowerState } from '../../../../common/power-state';
import { type DriverCapabilities, type HostResources, type VirtDriver } from '../driver';

interface FakeGuest {
  powerState: PowerState;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
}

/**
 * A hypervisor that exists only in memory, as Nova's fake driver: it documents the semantics a
 * real driver must have (idempotent spawn and destroy, power states) and runs at any scale.
 */
export class FakeDriver implements VirtDriver {
  readonly capabilities: DriverCapabilities = { supportsEvacuate: true, supportsMigrateToSameHost: true };
  private readonly guests = new Map<string, FakeGuest>();

  constructor(
    private readonly host: string,
    private readonly config: Config,
  ) {}

  async getAvailableResource(): Promise<HostResources> {
    const guests = [...this.guests.values()];
    const sum = (pick: (guest: FakeGuest) => number) =>
      guests.reduce((total, guest) => total + pick(guest), 0);
    return {
      hypervisorHostname: this.host,
      hypervisorType: 'fake',
      hypervisorVersion: 1000,
      hostIp: '127.0.0.1',
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
}
