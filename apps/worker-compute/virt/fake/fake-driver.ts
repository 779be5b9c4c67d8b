import { type Config } from '../../../../common/config';
import { PowerState } from '../../../../common/power-state';
import {
  type DriverCapabilities,
  GuestNotFound,
  type GuestSpec,
  type HostResources,
  type RebootType,
  type SpawnedGuest,
  type VirtDriver,
  VirtDriverError,
} from '../driver';
import { hostArchitecture } from '../host-architecture';
import { type BootCause, firstBootLog, rebootLine } from './console-log';
import { FaultInjection } from './fault-injection';
import { type GuardedAction, powerStateAfter } from './power-transitions';

/** The root disk name Nova's fake driver gives every guest. */
const ROOT_DEVICE_NAME = '/dev/sda';

interface FakeGuest {
  powerState: PowerState;
  vcpus: number;
  memoryMb: number;
  diskGb: number;
  hostname: string;
  consoleLog: string[];
  boots: number;
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
        hostname: spec.hostname,
        consoleLog: firstBootLog(spec.instanceUuid, spec.hostname),
        boots: 1,
      });
      return { powerState: PowerState.RUNNING, rootDeviceName: ROOT_DEVICE_NAME };
    });
  }

  destroy(instanceUuid: string): Promise<void> {
    return this.faults.around('destroy', async () => {
      this.guests.delete(instanceUuid);
    });
  }

  async getInfo(instanceUuid: string): Promise<{ powerState: PowerState }> {
    return { powerState: this.guest(instanceUuid).powerState };
  }

  /** A fake guest obeys ACPI at once, so the timeout never runs out (slow_methods makes one that does). */
  powerOff(instanceUuid: string, _options?: { timeoutSeconds?: number }): Promise<void> {
    return this.faults.around('powerOff', async () => {
      this.guest(instanceUuid).powerState = PowerState.SHUTDOWN;
    });
  }

  /** As libvirt's power_on, which is a hard reboot: whatever the guest was doing, it boots afresh. */
  powerOn(instanceUuid: string): Promise<void> {
    return this.faults.around('powerOn', async () => {
      const guest = this.guest(instanceUuid);
      if (guest.powerState !== PowerState.RUNNING) this.boot(guest, 'power on');
    });
  }

  /** A soft reboot of a guest that is not running falls back to a hard one, as on libvirt. */
  reboot(instanceUuid: string, type: RebootType): Promise<void> {
    const soft = type === 'SOFT' && this.guests.get(instanceUuid)?.powerState === PowerState.RUNNING;
    return this.faults.around(soft ? 'softReboot' : 'hardReboot', async () => {
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
    return this.faults.around('getConsoleOutput', async () => this.guest(instanceUuid).consoleLog.join('\n'));
  }

  private guest(instanceUuid: string): FakeGuest {
    const guest = this.guests.get(instanceUuid);
    if (!guest) throw new GuestNotFound(instanceUuid);
    return guest;
  }

  private boot(guest: FakeGuest, cause: BootCause): void {
    guest.boots += 1;
    guest.consoleLog.push(rebootLine(guest.hostname, guest.boots, cause));
    guest.powerState = PowerState.RUNNING;
  }

  private transition(action: GuardedAction, instanceUuid: string): Promise<void> {
    return this.faults.around(action, async () => {
      const guest = this.guest(instanceUuid);
      guest.powerState = powerStateAfter(action, instanceUuid, guest.powerState);
    });
  }
}
