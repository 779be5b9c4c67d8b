import { randomUUID } from 'node:crypto';
import {
  GuestNotFound,
  type GuestSpec,
  LiveMigrationAborted,
  type LiveMigrationControl,
  type VirtDriver,
  VirtDriverError,
} from '../../apps/worker-compute/virt/driver';
import { type FlavorSnapshot } from '../../entities/instance.entities';
import { PowerState } from '../../common/power-state';

/** One virt driver as the contract suite drives it. */
export interface DriverUnderTest {
  /** The two hosts the suite runs on; each test leaves them as it found them. */
  hosts: { a: string; b: string };
  /** The driver of host `host` (the same one each time); guests move between the two hosts. */
  driver(host: string): VirtDriver;
  /** A guest spec with its image's files where the driver needs them. */
  spec(instanceUuid: string, flavor?: Partial<FlavorSnapshot>): GuestSpec;
  /** The power state the driver reports of a suspended guest: SUSPENDED, or SHUTDOWN on libvirt (as Nova maps it). */
  suspendedPowerState: PowerState;
  /** A line the console of a guest shows once it has booted. */
  bootLine: string;
}

const FLAVOR: FlavorSnapshot = {
  flavorid: '1',
  name: 'm1.nano',
  vcpus: 1,
  memoryMb: 128,
  rootGb: 1,
  ephemeralGb: 0,
  swap: 0,
  extraSpecs: {},
};

export const contractFlavor = (overrides: Partial<FlavorSnapshot> = {}): FlavorSnapshot => ({
  ...FLAVOR,
  ...overrides,
});

type State = 'RUNNING' | 'SHUTDOWN' | 'PAUSED' | 'SUSPENDED';

const actions = {
  powerOff: (driver: VirtDriver, uuid: string) => driver.powerOff(uuid, { timeoutSeconds: 60 }),
  powerOn: (driver: VirtDriver, uuid: string) => driver.powerOn(uuid),
  softReboot: (driver: VirtDriver, uuid: string) => driver.reboot(uuid, 'SOFT'),
  hardReboot: (driver: VirtDriver, uuid: string) => driver.reboot(uuid, 'HARD'),
  pause: (driver: VirtDriver, uuid: string) => driver.pause(uuid),
  unpause: (driver: VirtDriver, uuid: string) => driver.unpause(uuid),
  suspend: (driver: VirtDriver, uuid: string) => driver.suspend(uuid),
  resume: (driver: VirtDriver, uuid: string) => driver.resume(uuid),
};
type Action = keyof typeof actions;

const control = (signal = new AbortController().signal): LiveMigrationControl => ({
  onProgress: () => undefined,
  signal,
});

/**
 * What every virt driver must do, run against the fake driver (unit) and the libvirt driver
 * (integration, real guests): power states and their transitions, idempotent steps, refusals no
 * host can fix, console output, cold moves in place and between hosts, live migration.
 */
export function describeVirtDriverContract(name: string, subject: () => DriverUnderTest): void {
  const created: [VirtDriver, string][] = [];
  const hosts = () => subject().hosts;

  afterEach(async () => {
    for (const [driver, uuid] of created.splice(0)) await driver.destroy(uuid).catch(() => undefined);
  });

  const powerOf = async (driver: VirtDriver, uuid: string) => (await driver.getInfo(uuid)).powerState;
  const expected = (state: State) =>
    state === 'SUSPENDED' ? subject().suspendedPowerState : PowerState[state];

  /** Resolves once the guest's console shows the boot line `times` times. */
  async function booted(driver: VirtDriver, uuid: string, times = 1): Promise<void> {
    const { bootLine } = subject();
    const deadline = Date.now() + 120_000;
    for (;;) {
      const output = await driver.getConsoleOutput(uuid);
      if (output.split(bootLine).length - 1 >= times) return;
      if (Date.now() > deadline)
        throw new Error(`guest ${uuid} did not boot: console shows ${JSON.stringify(output)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /**
   * A spawned guest on `host`, brought into `state` through the driver. It may still be booting
   * (a clean shutdown then takes the driver's retries), as a guest just spawned by a user is.
   */
  async function guestIn(state: State, host = hosts().a, flavor?: Partial<FlavorSnapshot>) {
    const driver = subject().driver(host);
    const uuid = randomUUID();
    const spec = subject().spec(uuid, flavor);
    created.push([driver, uuid]);
    await driver.prepareBlockDevices(spec);
    await driver.spawn(spec);
    if (state === 'SHUTDOWN') await driver.powerOff(uuid, { timeoutSeconds: 60 });
    if (state === 'PAUSED') await driver.pause(uuid);
    if (state === 'SUSPENDED') await driver.suspend(uuid);
    expect(await powerOf(driver, uuid)).toBe(expected(state));
    return { driver, uuid, spec, host };
  }

  describe(`${name}: the VirtDriver contract`, () => {
    it('spawns a guest once however often asked, runs it, lists it and counts it', async () => {
      const { a } = hosts();
      const driver = subject().driver(a);
      const before = await driver.getAvailableResource();
      expect(before).toMatchObject({ hypervisorHostname: a });
      expect(before.vcpus).toBeGreaterThan(0);
      expect(before.memoryMb).toBeGreaterThan(0);
      expect(before.localGb).toBeGreaterThan(0);
      const uuid = randomUUID();
      const spec = subject().spec(uuid, { vcpus: 2 });
      created.push([driver, uuid]);
      await driver.prepareBlockDevices(spec);
      await driver.prepareBlockDevices(spec);
      const first = await driver.spawn(spec);
      const second = await driver.spawn(spec);
      expect(first.powerState).toBe(PowerState.RUNNING);
      expect(second).toEqual(first);
      expect(first.rootDeviceName).toMatch(/^\/dev\/[sv]da$/);
      expect(await driver.listGuests()).toEqual(new Map([[uuid, PowerState.RUNNING]]));
      expect((await driver.getAvailableResource()).vcpusUsed).toBe(before.vcpusUsed + 2);
      await booted(driver, uuid);
    });

    it('destroys a guest and forgets it, and a second destroy succeeds', async () => {
      const { driver, uuid } = await guestIn('RUNNING');
      await driver.destroy(uuid);
      await driver.destroy(uuid);
      expect(await driver.listGuests()).toEqual(new Map());
      await expect(driver.getInfo(uuid)).rejects.toThrow(GuestNotFound);
      await expect(driver.powerOn(uuid)).rejects.toThrow(GuestNotFound);
    });

    it.each<[State, Action, State]>([
      ['RUNNING', 'powerOff', 'SHUTDOWN'],
      ['PAUSED', 'powerOff', 'SHUTDOWN'],
      ['SUSPENDED', 'powerOff', 'SHUTDOWN'],
      ['SHUTDOWN', 'powerOn', 'RUNNING'],
      ['PAUSED', 'powerOn', 'RUNNING'],
      ['RUNNING', 'softReboot', 'RUNNING'],
      ['SHUTDOWN', 'softReboot', 'RUNNING'],
      ['RUNNING', 'hardReboot', 'RUNNING'],
      ['SUSPENDED', 'hardReboot', 'RUNNING'],
      ['RUNNING', 'pause', 'PAUSED'],
      ['PAUSED', 'unpause', 'RUNNING'],
      ['RUNNING', 'suspend', 'SUSPENDED'],
      ['SUSPENDED', 'resume', 'RUNNING'],
    ])('from %s, %s leaves the guest %s', async (before, action, after) => {
      const { driver, uuid } = await guestIn(before);
      await actions[action](driver, uuid);
      expect(await powerOf(driver, uuid)).toBe(expected(after));
      expect(await driver.listGuests()).toEqual(new Map([[uuid, expected(after)]]));
    });

    it.each<[State, Exclude<Action, 'softReboot' | 'hardReboot'>]>([
      ['RUNNING', 'powerOff'],
      ['SHUTDOWN', 'powerOn'],
      ['RUNNING', 'pause'],
      ['PAUSED', 'unpause'],
      ['RUNNING', 'suspend'],
      ['SUSPENDED', 'resume'],
    ])('from %s, %s twice leaves the guest as once does', async (before, action) => {
      const { driver, uuid } = await guestIn(before);
      await actions[action](driver, uuid);
      const once = await powerOf(driver, uuid);
      await actions[action](driver, uuid);
      expect(await powerOf(driver, uuid)).toBe(once);
    });

    it.each<[State, Action, string]>([
      ['SHUTDOWN', 'pause', 'shutdown'],
      ['SUSPENDED', 'unpause', 'suspended'],
      ['PAUSED', 'suspend', 'paused'],
      ['SHUTDOWN', 'resume', 'shutdown'],
    ])(
      'from %s, refuses to %s with an error no host can fix, changing nothing',
      async (before, action, stateName) => {
        const { driver, uuid } = await guestIn(before);
        const error = await actions[action](driver, uuid).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(VirtDriverError);
        expect(error).toMatchObject({
          retryOnAnotherHost: false,
          message: `Cannot ${action} instance ${uuid} while it is ${stateName}.`,
        });
        expect(await powerOf(driver, uuid)).toBe(expected(before));
      },
    );

    it('answers every action on a guest it lacks with GuestNotFound, which no other host can fix', async () => {
      const driver = subject().driver(hosts().a);
      const unknown = randomUUID();
      const calls: (() => Promise<unknown>)[] = [
        ...Object.values(actions).map((act) => () => act(driver, unknown)),
        () => driver.getInfo(unknown),
        () => driver.getConsoleOutput(unknown),
        () => driver.checkCanLiveMigrateSource(unknown, 'elsewhere'),
      ];
      for (const call of calls) {
        const error = await call().catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(GuestNotFound);
        expect(error).toMatchObject({
          message: `Instance ${unknown} could not be found.`,
          retryOnAnotherHost: false,
        });
      }
    });

    it("shows the guest's boot on its console, again after a hard reboot, and keeps it while the guest is off", async () => {
      const { driver, uuid } = await guestIn('RUNNING');
      await booted(driver, uuid);
      await driver.reboot(uuid, 'HARD');
      await booted(driver, uuid, 2);
      await driver.powerOff(uuid, { timeoutSeconds: 60 });
      const output = await driver.getConsoleOutput(uuid);
      expect(output.split(subject().bootLine).length - 1).toBeGreaterThanOrEqual(2);
    });

    it('resizes a guest in place: the new flavor runs, and stays on confirm', async () => {
      const { driver, uuid, host } = await guestIn('RUNNING');
      const before = await driver.getAvailableResource();
      await driver.migrateDiskAndPowerOff(uuid, host, { timeoutSeconds: 60 });
      expect(await powerOf(driver, uuid)).toBe(PowerState.SHUTDOWN);
      const resized = subject().spec(uuid, { vcpus: 2, rootGb: 2 });
      const finished = await driver.finishMigration(resized, true);
      expect(finished.powerState).toBe(PowerState.RUNNING);
      expect(await driver.finishMigration(resized, true)).toEqual(finished);
      await driver.confirmMigration(uuid);
      await driver.confirmMigration(uuid);
      expect(await driver.listGuests()).toEqual(new Map([[uuid, PowerState.RUNNING]]));
      expect((await driver.getAvailableResource()).vcpusUsed).toBe(before.vcpusUsed + 1);
    });

    it('reverts a resize in place: the old flavor runs again, from its old disks', async () => {
      const { driver, uuid, host, spec } = await guestIn('RUNNING');
      const before = await driver.getAvailableResource();
      await driver.migrateDiskAndPowerOff(uuid, host, { timeoutSeconds: 60 });
      await driver.finishMigration(subject().spec(uuid, { vcpus: 2 }), true);
      const reverted = await driver.finishRevertMigration(spec, true);
      expect(reverted.powerState).toBe(PowerState.RUNNING);
      expect(await driver.finishRevertMigration(spec, true)).toEqual(reverted);
      expect((await driver.getAvailableResource()).vcpusUsed).toBe(before.vcpusUsed);
      await booted(driver, uuid, 2);
    });

    it('moves a guest cold to another host, whose copy runs; confirm removes the source copy', async () => {
      const { a, b } = hosts();
      const { driver: source, uuid } = await guestIn('RUNNING', a);
      const dest = subject().driver(b);
      created.push([dest, uuid]);
      await source.migrateDiskAndPowerOff(uuid, b, { timeoutSeconds: 60 });
      await source.migrateDiskAndPowerOff(uuid, b, { timeoutSeconds: 60 });
      expect(await powerOf(source, uuid)).toBe(PowerState.SHUTDOWN);
      const moved = await dest.finishMigration(subject().spec(uuid, { rootGb: 2 }), true);
      expect(moved.powerState).toBe(PowerState.RUNNING);
      await booted(dest, uuid);
      await source.confirmMigration(uuid);
      await source.confirmMigration(uuid);
      expect(await source.listGuests()).toEqual(new Map());
      expect(await dest.listGuests()).toEqual(new Map([[uuid, PowerState.RUNNING]]));
    });

    it('reverts a cold move to another host: the destination copy goes, the source one runs again', async () => {
      const { a, b } = hosts();
      const { driver: source, uuid, spec } = await guestIn('RUNNING', a);
      const dest = subject().driver(b);
      created.push([dest, uuid]);
      await source.migrateDiskAndPowerOff(uuid, b, { timeoutSeconds: 60 });
      await dest.finishMigration(subject().spec(uuid), false);
      expect(await powerOf(dest, uuid)).toBe(PowerState.SHUTDOWN);
      await dest.destroy(uuid);
      const reverted = await source.finishRevertMigration(spec, true);
      expect(reverted.powerState).toBe(PowerState.RUNNING);
      expect(await dest.listGuests()).toEqual(new Map());
      expect(await source.listGuests()).toEqual(new Map([[uuid, PowerState.RUNNING]]));
    });

    it('live-migrates a running guest: it leaves the source and runs on the destination', async () => {
      const { a, b } = hosts();
      const { driver: source, uuid, spec } = await guestIn('RUNNING', a);
      const dest = subject().driver(b);
      created.push([dest, uuid]);
      await dest.checkCanLiveMigrateDestination(spec, a);
      await source.checkCanLiveMigrateSource(uuid, b);
      await dest.preLiveMigration(spec);
      await dest.preLiveMigration(spec);
      await source.liveMigrate(uuid, b, control());
      await source.liveMigrate(uuid, b, control());
      const posted = await dest.postLiveMigrationAtDestination(uuid, false);
      expect(posted.powerState).toBe(PowerState.RUNNING);
      expect(await dest.postLiveMigrationAtDestination(uuid, false)).toEqual(posted);
      await source.destroy(uuid);
      expect(await source.listGuests()).toEqual(new Map());
      expect(await dest.listGuests()).toEqual(new Map([[uuid, PowerState.RUNNING]]));
      // The guest was copied running, not booted again.
      const output = await dest.getConsoleOutput(uuid).catch(() => '');
      expect(output.split(subject().bootLine).length - 1).toBeLessThanOrEqual(1);
    });

    it('keeps the guest running on the source when its live migration is aborted', async () => {
      const { a, b } = hosts();
      const { driver: source, uuid, spec } = await guestIn('RUNNING', a);
      const dest = subject().driver(b);
      created.push([dest, uuid]);
      await dest.preLiveMigration(spec);
      const abort = new AbortController();
      abort.abort();
      await expect(source.liveMigrate(uuid, b, control(abort.signal))).rejects.toThrow(LiveMigrationAborted);
      expect(await source.listGuests()).toEqual(new Map([[uuid, PowerState.RUNNING]]));
    });

    it.each<[State, string]>([
      ['SHUTDOWN', 'shutdown'],
      ['SUSPENDED', 'suspended'],
    ])('refuses to live-migrate a %s guest, with an error no host can fix', async (state, stateName) => {
      const { driver, uuid } = await guestIn(state);
      const error = await driver
        .checkCanLiveMigrateSource(uuid, 'elsewhere')
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(VirtDriverError);
      expect(error).toMatchObject({
        message: `Cannot live migrate instance ${uuid} while it is ${stateName}.`,
        retryOnAnotherHost: false,
      });
    });

    it('refuses a live migration to the host the guest is on, or to one that already has it', async () => {
      const { driver, uuid, spec, host } = await guestIn('RUNNING');
      await expect(driver.checkCanLiveMigrateDestination(spec, host)).rejects.toMatchObject({
        retryOnAnotherHost: false,
      });
      await expect(driver.checkCanLiveMigrateDestination(spec, 'elsewhere')).rejects.toMatchObject({
        message: `Instance ${uuid} already exists on host ${host}.`,
        retryOnAnotherHost: false,
      });
    });
  });
}
