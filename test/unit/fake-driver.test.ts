import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { FakeDriver } from '../../apps/worker-compute/virt/fake/fake-driver';
import {
  GuestNotFound,
  type GuestSpec,
  LiveMigrationAborted,
  type LiveMigrationControl,
  type LiveMigrationProgress,
  VirtDriverError,
} from '../../apps/worker-compute/virt/driver';
import { parseConfig } from '../../common/config';
import { PowerState } from '../../common/power-state';

const UUID = '6f1e2d3c-4b5a-4968-8776-655443322110';
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

const spec = (instanceUuid = UUID): GuestSpec => ({
  instanceUuid,
  name: 'instance-0000000a',
  hostname: 'vm1',
  flavor: {
    flavorid: '1',
    name: 'm1.tiny',
    vcpus: 2,
    memoryMb: 512,
    rootGb: 1,
    ephemeralGb: 0,
    swap: 0,
    extraSpecs: {},
  },
  image: { id: 'cirros', properties: {} },
  imagePath: '/cache/cirros',
  interfaces: [],
  userData: null,
  keyData: null,
  metadata: {},
});

const driverOf = (configText = '', host = 'compute1') => new FakeDriver(host, parseConfig(configText).config);

type State = 'RUNNING' | 'SHUTDOWN' | 'PAUSED' | 'SUSPENDED';

/** A driver with one guest, brought into `state` the way a user would: through the driver. */
async function guestIn(state: State, configText = ''): Promise<FakeDriver> {
  const driver = driverOf(configText);
  await driver.spawn(spec());
  if (state === 'SHUTDOWN') await driver.powerOff(UUID);
  if (state === 'PAUSED') await driver.pause(UUID);
  if (state === 'SUSPENDED') await driver.suspend(UUID);
  expect(await driver.getInfo(UUID)).toEqual({ powerState: PowerState[state] });
  return driver;
}

/** Every in-place action, as a user calls it. */
const actions = {
  powerOff: (driver: FakeDriver, uuid: string) => driver.powerOff(uuid, { timeoutSeconds: 60 }),
  powerOn: (driver: FakeDriver, uuid: string) => driver.powerOn(uuid),
  softReboot: (driver: FakeDriver, uuid: string) => driver.reboot(uuid, 'SOFT'),
  hardReboot: (driver: FakeDriver, uuid: string) => driver.reboot(uuid, 'HARD'),
  pause: (driver: FakeDriver, uuid: string) => driver.pause(uuid),
  unpause: (driver: FakeDriver, uuid: string) => driver.unpause(uuid),
  suspend: (driver: FakeDriver, uuid: string) => driver.suspend(uuid),
  resume: (driver: FakeDriver, uuid: string) => driver.resume(uuid),
};
type Action = keyof typeof actions;

const lineCount = async (driver: FakeDriver) => (await driver.getConsoleOutput(UUID)).split('\n').length;

// The transitions, refusals and GuestNotFound of every driver are the contract's
// (fake-driver-contract.test.ts); here, what only the fake shows: its console lines and resources.
describe('fake virt driver: in-place server actions', () => {
  it.each<[State, Exclude<Action, 'softReboot' | 'hardReboot'>]>([
    ['RUNNING', 'powerOff'],
    ['SHUTDOWN', 'powerOff'],
    ['SHUTDOWN', 'powerOn'],
    ['RUNNING', 'powerOn'],
    ['RUNNING', 'pause'],
    ['PAUSED', 'pause'],
    ['PAUSED', 'unpause'],
    ['RUNNING', 'unpause'],
    ['RUNNING', 'suspend'],
    ['SUSPENDED', 'suspend'],
    ['SUSPENDED', 'resume'],
    ['RUNNING', 'resume'],
  ])('from %s, %s twice is the same as once', async (before, action) => {
    const once = await guestIn(before);
    const twice = await guestIn(before);
    await actions[action](once, UUID);
    await actions[action](twice, UUID);
    await actions[action](twice, UUID);
    expect(await twice.getInfo(UUID)).toEqual(await once.getInfo(UUID));
    expect(await twice.getConsoleOutput(UUID)).toBe(await once.getConsoleOutput(UUID));
    expect(await twice.getAvailableResource()).toEqual(await once.getAvailableResource());
  });

  it('reboots again when a reboot is repeated, leaving the guest running both times', async () => {
    const driver = await guestIn('RUNNING');
    const before = await lineCount(driver);
    await driver.reboot(UUID, 'SOFT');
    await driver.reboot(UUID, 'SOFT');
    expect(await driver.getInfo(UUID)).toEqual({ powerState: PowerState.RUNNING });
    expect(await lineCount(driver)).toBe(before + 2);
  });

  it('keeps a stopped guest, listed as SHUTDOWN and counted in the resources used', async () => {
    const driver = await guestIn('RUNNING');
    const running = await driver.getAvailableResource();
    await driver.powerOff(UUID);
    expect(await driver.listGuests()).toEqual(new Map([[UUID, PowerState.SHUTDOWN]]));
    const stopped = await driver.getAvailableResource();
    expect(stopped).toEqual(running);
    expect(stopped).toMatchObject({ vcpusUsed: 2, memoryMbUsed: 512, localGbUsed: 1 });
  });
});

describe('fake virt driver: console output', () => {
  it('shows a boot log naming the guest, ending at its login prompt', async () => {
    const driver = await guestIn('RUNNING');
    const lines = (await driver.getConsoleOutput(UUID)).split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.some((line) => line.includes(UUID))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^vm1 login:/);
  });

  it('grows by one line on each boot, naming its cause, and not on other actions', async () => {
    const driver = await guestIn('RUNNING');
    const first = await driver.getConsoleOutput(UUID);
    const steps: [Action, string | null][] = [
      ['pause', null],
      ['unpause', null],
      ['suspend', null],
      ['resume', null],
      ['powerOff', null],
      ['powerOn', 'vm1 login: (boot 2, after power on)'],
      ['powerOn', null],
      ['softReboot', 'vm1 login: (boot 3, after soft reboot)'],
      ['hardReboot', 'vm1 login: (boot 4, after hard reboot)'],
    ];
    let expected = first;
    for (const [action, line] of steps) {
      await actions[action](driver, UUID);
      if (line) expected = `${expected}\n${line}`;
      expect({ action, output: await driver.getConsoleOutput(UUID) }).toEqual({ action, output: expected });
    }
  });

  it('is still readable while the guest is off', async () => {
    const driver = await guestIn('SHUTDOWN');
    expect(await driver.getConsoleOutput(UUID)).toMatch(/vm1 login:$/);
  });
});

describe('fake virt driver: injected faults', () => {
  it.each<[Action, State]>([
    ['powerOff', 'RUNNING'],
    ['powerOn', 'SHUTDOWN'],
    ['softReboot', 'RUNNING'],
    ['hardReboot', 'SHUTDOWN'],
    ['pause', 'RUNNING'],
    ['unpause', 'PAUSED'],
    ['suspend', 'RUNNING'],
    ['resume', 'SUSPENDED'],
  ])('fails %s when fail_methods names it, leaving the %s guest as it was', async (action, before) => {
    const driver = await guestIn(before, `[fake_driver]\nfail_methods = ${action}\n`);
    const log = await driver.getConsoleOutput(UUID);
    await expect(actions[action](driver, UUID)).rejects.toThrow(
      new VirtDriverError(`injected failure of ${action}`),
    );
    expect(await driver.getInfo(UUID)).toEqual({ powerState: PowerState[before] });
    expect(await driver.getConsoleOutput(UUID)).toBe(log);
  });

  it('tells a soft reboot from a hard one, and a host:method fault applies to that host only', async () => {
    const config = '[fake_driver]\nfail_methods = compute1:softReboot\n';
    const driver = await guestIn('RUNNING', config);
    await expect(driver.reboot(UUID, 'SOFT')).rejects.toThrow('injected failure of softReboot');
    await driver.reboot(UUID, 'HARD');
    expect(await driver.getConsoleOutput(UUID)).toMatch(/after hard reboot\)$/);

    const otherHost = driverOf(config, 'compute2');
    await otherHost.spawn(spec());
    await otherHost.reboot(UUID, 'SOFT');
    expect(await otherHost.getConsoleOutput(UUID)).toMatch(/after soft reboot\)$/);
  });

  it('slows the method named in slow_methods: the guest runs until the slow power-off ends', async () => {
    const driver = await guestIn('RUNNING', '[fake_driver]\nslow_methods = powerOff:0.2\n');
    const started = Date.now();
    const stopping = driver.powerOff(UUID);
    expect(await driver.getInfo(UUID)).toEqual({ powerState: PowerState.RUNNING });
    await stopping;
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(await driver.getInfo(UUID)).toEqual({ powerState: PowerState.SHUTDOWN });
  });

  it('fails getConsoleOutput by name', async () => {
    const driver = await guestIn('RUNNING', '[fake_driver]\nfail_methods = getConsoleOutput\n');
    await expect(driver.getConsoleOutput(UUID)).rejects.toThrow('injected failure of getConsoleOutput');
  });
});

// Moves: a source and a destination are two drivers, as two hosts, each called by the workflow.

/** spec() with a bigger flavor: what a resize gives the guest. */
const resized = (instanceUuid = UUID): GuestSpec => ({
  ...spec(instanceUuid),
  flavor: { ...spec().flavor, flavorid: '2', name: 'm1.small', vcpus: 4, memoryMb: 2048, rootGb: 20 },
});

const TINY = { vcpus: 2, memoryMb: 512, localGb: 1 };
const SMALL = { vcpus: 4, memoryMb: 2048, localGb: 20 };
const NOTHING = { vcpus: 0, memoryMb: 0, localGb: 0 };

/** What the guests of a host use, as the resource tracker reads it. */
async function used(driver: FakeDriver) {
  const { vcpusUsed, memoryMbUsed, localGbUsed } = await driver.getAvailableResource();
  return { vcpus: vcpusUsed, memoryMb: memoryMbUsed, localGb: localGbUsed };
}

/** What a caller can observe of a host: its guests, what they use, and the guest's console. */
async function observe(driver: FakeDriver) {
  const guests = await driver.listGuests();
  const console = guests.has(UUID) ? await driver.getConsoleOutput(UUID) : null;
  return { guests, used: await used(driver), console };
}

const guests = (state?: State) => new Map(state ? [[UUID, PowerState[state]]] : []);
const off = { powerState: PowerState.SHUTDOWN, rootDeviceName: '/dev/sda' };
const running = { powerState: PowerState.RUNNING, rootDeviceName: '/dev/sda' };
const paused = { powerState: PowerState.PAUSED, rootDeviceName: '/dev/sda' };

/** A running guest on compute1 handed over for a cold move to compute2, which has finished it. */
async function coldMoved(powerOn = true, configText = '') {
  const source = await guestIn('RUNNING', configText);
  const dest = driverOf(configText, 'compute2');
  await source.migrateDiskAndPowerOff(UUID, 'compute2', { timeoutSeconds: 60 });
  const finished = await dest.finishMigration(resized(), powerOn);
  return { source, dest, finished };
}

/** A running guest on compute1 resized in place to the bigger flavor. */
async function resizedInPlace(powerOn = true) {
  const driver = await guestIn('RUNNING');
  await driver.migrateDiskAndPowerOff(UUID, 'compute1');
  const finished = await driver.finishMigration(resized(), powerOn);
  return { driver, finished };
}

describe('fake virt driver: cold move to another host', () => {
  it('leaves the source copy off and kept, and runs the new flavor on the destination', async () => {
    const { source, dest, finished } = await coldMoved();
    expect(finished).toEqual(running);
    expect(await source.listGuests()).toEqual(guests('SHUTDOWN'));
    expect(await used(source)).toEqual(TINY);
    expect(await dest.listGuests()).toEqual(guests('RUNNING'));
    expect(await used(dest)).toEqual(SMALL);
    expect(await dest.getConsoleOutput(UUID)).toMatch(/^SeaBIOS[^]*\nvm1 login:$/);
  });

  it('finishes the guest off on the destination when it was off before', async () => {
    const { dest, finished } = await coldMoved(false);
    expect(finished).toEqual(off);
    expect(await dest.listGuests()).toEqual(guests('SHUTDOWN'));
    expect(await used(dest)).toEqual(SMALL);
    await dest.powerOn(UUID);
    expect(await dest.getConsoleOutput(UUID)).toMatch(/^SeaBIOS[^]*\nvm1 login:$/);
  });

  it('removes the source copy on confirm, and leaves the destination as it is', async () => {
    const { source, dest } = await coldMoved();
    const destBefore = await observe(dest);
    await source.confirmMigration(UUID);
    expect(await source.listGuests()).toEqual(guests());
    expect(await used(source)).toEqual(NOTHING);
    expect(await observe(dest)).toEqual(destBefore);
  });

  it('brings the source copy back on revert, booted, with the old flavor', async () => {
    const { source } = await coldMoved();
    const log = await source.getConsoleOutput(UUID);
    expect(await source.finishRevertMigration(spec(), true)).toEqual(running);
    expect(await source.listGuests()).toEqual(guests('RUNNING'));
    expect(await used(source)).toEqual(TINY);
    expect(await source.getConsoleOutput(UUID)).toBe(`${log}\nvm1 login: (boot 2, after power on)`);
    // Reverted, the copy is the guest: a later confirm (of nothing) must not remove it.
    await source.confirmMigration(UUID);
    expect(await source.listGuests()).toEqual(guests('RUNNING'));
  });

  it('reverts to a guest that stays off when it was off before', async () => {
    const { source } = await coldMoved(false);
    const log = await source.getConsoleOutput(UUID);
    expect(await source.finishRevertMigration(spec(), false)).toEqual(off);
    expect(await source.getConsoleOutput(UUID)).toBe(log);
  });

  it('changes nothing when each step is retried after it succeeded', async () => {
    const once = await coldMoved();
    const twice = await coldMoved();
    await twice.source.migrateDiskAndPowerOff(UUID, 'compute2');
    expect(await twice.dest.finishMigration(resized(), true)).toEqual(running);
    expect(await observe(twice.source)).toEqual(await observe(once.source));
    expect(await observe(twice.dest)).toEqual(await observe(once.dest));

    await once.source.finishRevertMigration(spec(), true);
    await twice.source.finishRevertMigration(spec(), true);
    expect(await twice.source.finishRevertMigration(spec(), true)).toEqual(running);
    expect(await observe(twice.source)).toEqual(await observe(once.source));
  });

  it('succeeds in confirming a move that was already confirmed', async () => {
    const { source } = await coldMoved();
    await source.confirmMigration(UUID);
    await expect(source.confirmMigration(UUID)).resolves.toBeUndefined();
    expect(await source.listGuests()).toEqual(guests());
  });

  it('knows no guest to hand over or to revert to that it lacks', async () => {
    const driver = driverOf();
    await expect(driver.migrateDiskAndPowerOff(UNKNOWN, 'compute2')).rejects.toThrow(GuestNotFound);
    await expect(driver.finishRevertMigration(spec(UNKNOWN), true)).rejects.toThrow(GuestNotFound);
    expect(await driver.listGuests()).toEqual(new Map());
  });
});

describe('fake virt driver: resize to the same host', () => {
  it('changes the one guest in place to the new flavor', async () => {
    const { driver, finished } = await resizedInPlace();
    expect(finished).toEqual(running);
    expect(await driver.listGuests()).toEqual(guests('RUNNING'));
    expect(await used(driver)).toEqual(SMALL);
    expect(await driver.getConsoleOutput(UUID)).toMatch(/\nvm1 login: \(boot 2, after power on\)$/);
  });

  it('keeps the new flavor on confirm, and a later revert does not bring the old one back', async () => {
    const { driver } = await resizedInPlace();
    await driver.confirmMigration(UUID);
    await driver.confirmMigration(UUID);
    expect(await driver.listGuests()).toEqual(guests('RUNNING'));
    expect(await used(driver)).toEqual(SMALL);
    // Confirmed, the guest is no part of a move: a retried finishMigration changes nothing either.
    await driver.finishMigration(resized(), false);
    expect(await driver.listGuests()).toEqual(guests('RUNNING'));
  });

  it('takes back the old flavor on revert, restarting once from its old disks', async () => {
    const { driver } = await resizedInPlace();
    const log = await driver.getConsoleOutput(UUID);
    expect(await driver.finishRevertMigration(spec(), true)).toEqual(running);
    expect(await driver.finishRevertMigration(spec(), true)).toEqual(running);
    expect(await used(driver)).toEqual(TINY);
    expect(await driver.getConsoleOutput(UUID)).toBe(`${log}\nvm1 login: (boot 3, after power on)`);
    await driver.confirmMigration(UUID);
    expect(await driver.listGuests()).toEqual(guests('RUNNING'));
  });

  it('resizes a stopped guest in place, leaving it off', async () => {
    const { driver, finished } = await resizedInPlace(false);
    expect(finished).toEqual(off);
    expect(await used(driver)).toEqual(SMALL);
    expect(await driver.finishRevertMigration(spec(), false)).toEqual(off);
    expect(await used(driver)).toEqual(TINY);
  });

  it('changes nothing when finishMigration is retried: the new flavor is not counted twice', async () => {
    const once = await resizedInPlace();
    const twice = await resizedInPlace();
    expect(await twice.driver.finishMigration(resized(), true)).toEqual(running);
    expect(await observe(twice.driver)).toEqual(await observe(once.driver));
  });

  it('refuses to hand over to its own host when supports_migrate_to_same_host is off', async () => {
    const driver = await guestIn(
      'RUNNING',
      '[fake_driver]\ndisabled_capabilities = supports_migrate_to_same_host\n',
    );
    const error = await driver.migrateDiskAndPowerOff(UUID, 'compute1').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VirtDriverError);
    expect(error).toMatchObject({ retryOnAnotherHost: true });
    expect(await driver.listGuests()).toEqual(guests('RUNNING'));
    await driver.migrateDiskAndPowerOff(UUID, 'compute2');
    expect(await driver.listGuests()).toEqual(guests('SHUTDOWN'));
  });
});

/** Every progress a live migration reports, with the guest's power state on the source at each. */
function recorder(driver: FakeDriver, extra: Partial<LiveMigrationControl> = {}) {
  const progress: LiveMigrationProgress[] = [];
  const states: (PowerState | undefined)[] = [];
  const abort = new AbortController();
  const control: LiveMigrationControl = {
    signal: abort.signal,
    onProgress(step) {
      progress.push(step);
      void driver.listGuests().then((now) => states.push(now.get(UUID)));
    },
    ...extra,
  };
  return { progress, states, abort, control };
}

const MEMORY = 512 * 1024 * 1024;
const copied = (memoryProcessed: number): LiveMigrationProgress => ({
  memoryTotal: MEMORY,
  memoryProcessed,
  memoryRemaining: MEMORY - memoryProcessed,
  diskTotal: 0,
  diskProcessed: 0,
  diskRemaining: 0,
});

/** Resolves once `progress` has at least `count` entries. */
async function progressed(progress: unknown[], count = 1): Promise<void> {
  while (progress.length < count) await new Promise((resolve) => setTimeout(resolve, 10));
}

describe('fake virt driver: live migration checks', () => {
  it('lets a running or paused guest go from a source to a destination that supports it', async () => {
    const source = await guestIn('RUNNING');
    const dest = driverOf('', 'compute2');
    expect(dest.capabilities.supportsLiveMigration).toBe(true);
    await expect(dest.checkCanLiveMigrateDestination(spec(), 'compute1')).resolves.toBeUndefined();
    await expect(source.checkCanLiveMigrateSource(UUID, 'compute2')).resolves.toBeUndefined();
    await source.pause(UUID);
    await expect(source.checkCanLiveMigrateSource(UUID, 'compute2')).resolves.toBeUndefined();
  });

  it.each<[State, string]>([
    ['SHUTDOWN', 'shutdown'],
    ['SUSPENDED', 'suspended'],
  ])('refuses on the source to send a %s guest, with an error no host can fix', async (state, name) => {
    const source = await guestIn(state);
    const error = await source.checkCanLiveMigrateSource(UUID, 'compute2').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VirtDriverError);
    expect(error).toMatchObject({
      message: `Cannot live migrate instance ${UUID} while it is ${name}.`,
      retryOnAnotherHost: false,
    });
  });

  it('refuses on the source a guest it lacks, or one that is the source of a cold move', async () => {
    const source = await guestIn('RUNNING');
    await expect(source.checkCanLiveMigrateSource(UNKNOWN, 'compute2')).rejects.toThrow(GuestNotFound);
    await source.migrateDiskAndPowerOff(UUID, 'compute3');
    await expect(source.checkCanLiveMigrateSource(UUID, 'compute2')).rejects.toThrow(
      `Cannot live migrate instance ${UUID} while it is being migrated.`,
    );
  });

  it('refuses on the destination a guest it already runs, but not the one it prepared', async () => {
    const dest = await guestIn('RUNNING');
    await expect(dest.checkCanLiveMigrateDestination(spec(), 'compute2')).rejects.toMatchObject({
      message: `Instance ${UUID} already exists on host compute1.`,
      retryOnAnotherHost: false,
    });
    const other = driverOf('', 'compute3');
    await other.preLiveMigration(spec());
    await expect(other.checkCanLiveMigrateDestination(spec(), 'compute1')).resolves.toBeUndefined();
  });

  it('refuses a move to the host the guest is on', async () => {
    const driver = driverOf();
    await expect(driver.checkCanLiveMigrateDestination(spec(), 'compute1')).rejects.toMatchObject({
      retryOnAnotherHost: false,
    });
  });
});

describe('fake virt driver: live migration', () => {
  it('defines the incoming guest paused on the destination, counted there, once however often asked', async () => {
    const dest = driverOf('', 'compute2');
    await dest.preLiveMigration(spec());
    await dest.preLiveMigration(spec());
    expect(await dest.listGuests()).toEqual(guests('PAUSED'));
    expect(await used(dest)).toEqual(TINY);
  });

  it('copies in one step without a delay: one report of all memory, then the guest has left', async () => {
    const source = await guestIn('RUNNING');
    const { progress, control } = recorder(source);
    await source.liveMigrate(UUID, 'compute2', control);
    expect(progress).toEqual([copied(MEMORY)]);
    expect(await source.listGuests()).toEqual(guests());
    expect(await used(source)).toEqual(NOTHING);
  });

  it('reports its progress every tick for the time slow_methods gives it, the guest running meanwhile', async () => {
    const source = await guestIn('RUNNING', '[fake_driver]\nslow_methods = liveMigrate:0.5\n');
    const { progress, states, control } = recorder(source);
    const started = Date.now();
    await source.liveMigrate(UUID, 'compute2', control);
    expect(Date.now() - started).toBeGreaterThanOrEqual(490);
    expect(progress.length).toBeGreaterThanOrEqual(3);
    expect(progress[progress.length - 1]).toEqual(copied(MEMORY));
    const processed = progress.map((step) => step.memoryProcessed);
    expect(processed).toEqual([...processed].sort((a, b) => a - b));
    expect(processed.filter((bytes) => bytes > 0 && bytes < MEMORY).length).toBeGreaterThan(0);
    for (const step of progress) expect(step).toEqual(copied(step.memoryProcessed));
    expect(states).toEqual(progress.map(() => PowerState.RUNNING));
    expect(await source.listGuests()).toEqual(guests());
  });

  it('runs the guest on the destination once posted there, paused or not, unchanged by a retry', async () => {
    const dest = driverOf('', 'compute2');
    await dest.preLiveMigration(spec());
    expect(await dest.postLiveMigrationAtDestination(UUID, false)).toEqual(running);
    expect(await dest.postLiveMigrationAtDestination(UUID, true)).toEqual(running);
    expect(await dest.listGuests()).toEqual(guests('RUNNING'));

    const other = driverOf('', 'compute3');
    await other.preLiveMigration(spec());
    expect(await other.postLiveMigrationAtDestination(UUID, true)).toEqual(paused);
    await other.unpause(UUID);
    expect(await other.listGuests()).toEqual(guests('RUNNING'));
    await expect(other.postLiveMigrationAtDestination(UNKNOWN, false)).rejects.toThrow(GuestNotFound);
  });

  it('moves a paused guest, which stays paused on the source during the copy', async () => {
    const source = await guestIn('PAUSED', '[fake_driver]\nslow_methods = liveMigrate:0.3\n');
    const { progress, states, control } = recorder(source);
    await source.liveMigrate(UUID, 'compute2', control);
    expect(states).toEqual(progress.map(() => PowerState.PAUSED));
    expect(await source.listGuests()).toEqual(guests());
  });

  it('refuses to copy a guest that is off, or that it lacks', async () => {
    const source = await guestIn('SHUTDOWN');
    const { progress, control } = recorder(source);
    await expect(source.liveMigrate(UUID, 'compute2', control)).rejects.toMatchObject({
      message: `Cannot live migrate instance ${UUID} while it is shutdown.`,
      retryOnAnotherHost: false,
    });
    await expect(source.liveMigrate(UNKNOWN, 'compute2', control)).rejects.toThrow(GuestNotFound);
    expect(progress).toEqual([]);
    expect(await source.listGuests()).toEqual(guests('SHUTDOWN'));
  });

  it('succeeds again, changing nothing, when retried after the guest has left', async () => {
    const source = await guestIn('RUNNING');
    await source.liveMigrate(UUID, 'compute2', recorder(source).control);
    const retry = recorder(source);
    await source.liveMigrate(UUID, 'compute2', retry.control);
    expect(retry.progress).toEqual([copied(MEMORY)]);
    expect(await source.listGuests()).toEqual(guests());
    await source.destroy(UUID);
    await expect(source.liveMigrate(UUID, 'compute2', retry.control)).rejects.toThrow(GuestNotFound);
  });

  it('lets a retry join the copy still running, which an abort of the earlier attempt alone does not stop', async () => {
    const source = await guestIn('RUNNING', '[fake_driver]\nslow_methods = liveMigrate:0.4\n');
    const first = recorder(source);
    const second = recorder(source);
    const firstCall = source.liveMigrate(UUID, 'compute2', first.control);
    await progressed(first.progress);
    const secondCall = source.liveMigrate(UUID, 'compute2', second.control);
    first.abort.abort();
    await Promise.all([firstCall, secondCall]);
    expect(second.progress[second.progress.length - 1]).toEqual(copied(MEMORY));
    expect(await source.listGuests()).toEqual(guests());
  });

  it('pauses the guest for a last pass and converges at once when forced to complete', async () => {
    const source = await guestIn('RUNNING', '[fake_driver]\nslow_methods = liveMigrate:5\n');
    const { progress, states, control } = recorder(source);
    const started = Date.now();
    const copying = source.liveMigrate(UUID, 'compute2', control);
    await progressed(progress);
    await source.liveMigrationForceComplete(UUID);
    await copying;
    expect(Date.now() - started).toBeLessThan(1000);
    expect(progress[progress.length - 1]).toEqual(copied(MEMORY));
    expect(states[0]).toBe(PowerState.RUNNING);
    expect(states[states.length - 1]).toBe(PowerState.PAUSED);
    expect(await source.listGuests()).toEqual(guests());
    // Retried once the forced copy is over, it succeeds, changing nothing.
    await source.liveMigrationForceComplete(UUID);
    expect(await source.listGuests()).toEqual(guests());
  });

  it('converges from the start when the control asks for it', async () => {
    const source = await guestIn('RUNNING', '[fake_driver]\nslow_methods = liveMigrate:5\n');
    const { progress, control } = recorder(source, { forceComplete: true });
    await source.liveMigrate(UUID, 'compute2', control);
    expect(progress).toEqual([copied(MEMORY)]);
    expect(await source.listGuests()).toEqual(guests());
  });

  it('has nothing to force when no copy of the guest runs, changing nothing', async () => {
    const source = await guestIn('RUNNING');
    const error = await source.liveMigrationForceComplete(UUID).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VirtDriverError);
    expect(error).toMatchObject({
      message: `No live migration of instance ${UUID} is in progress.`,
      retryOnAnotherHost: false,
    });
    expect(await source.listGuests()).toEqual(guests('RUNNING'));
  });

  it.each([false, true])(
    'stops when aborted, leaving the guest running on the source (forced first: %s)',
    async (forced) => {
      const source = await guestIn('RUNNING', '[fake_driver]\nslow_methods = liveMigrate:5\n');
      const { progress, abort, control } = recorder(source);
      const started = Date.now();
      const copying = source.liveMigrate(UUID, 'compute2', control).catch((caught: unknown) => caught);
      await progressed(progress);
      if (forced) {
        // Forced and aborted in the same tick: the abort wins, and the guest is unpaused.
        const forcing = source.liveMigrationForceComplete(UUID);
        abort.abort();
        await forcing;
      } else abort.abort();
      const error = await copying;
      expect(Date.now() - started).toBeLessThan(1000);
      expect(error).toBeInstanceOf(LiveMigrationAborted);
      expect(error).toMatchObject({
        message: `Live migration of instance ${UUID} was aborted.`,
        retryOnAnotherHost: false,
      });
      expect(await source.listGuests()).toEqual(guests('RUNNING'));
      expect(progress.some((step) => step.memoryProcessed === MEMORY)).toBe(false);
      // The guest can be migrated again.
      await source.liveMigrate(UUID, 'compute2', recorder(source, { forceComplete: true }).control);
      expect(await source.listGuests()).toEqual(guests());
    },
  );

  it('restores a paused guest to paused when aborted', async () => {
    const source = await guestIn('PAUSED', '[fake_driver]\nslow_methods = liveMigrate:5\n');
    const { progress, abort, control } = recorder(source);
    const copying = source.liveMigrate(UUID, 'compute2', control);
    await progressed(progress);
    abort.abort();
    await expect(copying).rejects.toThrow(LiveMigrationAborted);
    expect(await source.listGuests()).toEqual(guests('PAUSED'));
  });
});

describe('fake virt driver: disabled capabilities', () => {
  it('has every capability by default', () => {
    expect(driverOf().capabilities).toEqual({
      supportsEvacuate: true,
      supportsMigrateToSameHost: true,
      supportsLiveMigration: true,
      needsImageData: true,
    });
  });

  it('turns a capability off for every host, or for the host an entry names', () => {
    const config =
      '[fake_driver]\ndisabled_capabilities = supports_evacuate, compute2:supports_live_migration\n';
    expect(driverOf(config, 'compute1').capabilities).toMatchObject({
      supportsEvacuate: false,
      supportsMigrateToSameHost: true,
      supportsLiveMigration: true,
    });
    expect(driverOf(config, 'compute2').capabilities).toMatchObject({
      supportsEvacuate: false,
      supportsMigrateToSameHost: true,
      supportsLiveMigration: false,
    });
  });

  it('refuses live migration on a host whose capability is off, with an error no host can fix', async () => {
    const config = '[fake_driver]\ndisabled_capabilities = compute2:supports_live_migration\n';
    const error = await driverOf(config, 'compute2')
      .checkCanLiveMigrateDestination(spec(), 'compute1')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VirtDriverError);
    expect(error).toMatchObject({
      message: 'Host compute2 does not support live migration.',
      retryOnAnotherHost: false,
    });
    await expect(
      driverOf(config, 'compute3').checkCanLiveMigrateDestination(spec(), 'compute1'),
    ).resolves.toBeUndefined();
    const source = driverOf(config, 'compute2');
    await source.spawn(spec());
    await expect(source.checkCanLiveMigrateSource(UUID, 'compute3')).rejects.toThrow(
      'Host compute2 does not support live migration.',
    );
  });

  it('rejects a capability it does not know', () => {
    expect(() => parseConfig('[fake_driver]\ndisabled_capabilities = supports_flying\n')).toThrow(
      /disabled_capabilities/,
    );
  });
});

/** Each move step as the workflow calls it on compute1, after `arrange` brought compute1 to where it runs. */
const moveSteps: Record<
  string,
  { arrange(configText: string): Promise<FakeDriver>; act(driver: FakeDriver): Promise<unknown> }
> = {
  migrateDiskAndPowerOff: {
    arrange: (configText) => guestIn('RUNNING', configText),
    act: (driver) => driver.migrateDiskAndPowerOff(UUID, 'compute2'),
  },
  finishMigration: {
    arrange: async (configText) => driverOf(configText),
    act: (driver) => driver.finishMigration(resized(), true),
  },
  confirmMigration: {
    arrange: async (configText) => (await coldMoved(true, configText)).source,
    act: (driver) => driver.confirmMigration(UUID),
  },
  finishRevertMigration: {
    arrange: async (configText) => (await coldMoved(true, configText)).source,
    act: (driver) => driver.finishRevertMigration(spec(), true),
  },
  checkCanLiveMigrateDestination: {
    arrange: async (configText) => driverOf(configText),
    act: (driver) => driver.checkCanLiveMigrateDestination(spec(), 'compute2'),
  },
  checkCanLiveMigrateSource: {
    arrange: (configText) => guestIn('RUNNING', configText),
    act: (driver) => driver.checkCanLiveMigrateSource(UUID, 'compute2'),
  },
  preLiveMigration: {
    arrange: async (configText) => driverOf(configText),
    act: (driver) => driver.preLiveMigration(spec()),
  },
  liveMigrate: {
    arrange: (configText) => guestIn('RUNNING', configText),
    act: (driver) => driver.liveMigrate(UUID, 'compute2', recorder(driver).control),
  },
  postLiveMigrationAtDestination: {
    arrange: async (configText) => {
      const driver = driverOf(configText);
      await driver.preLiveMigration(spec());
      return driver;
    },
    act: (driver) => driver.postLiveMigrationAtDestination(UUID, false),
  },
};

describe('fake virt driver: injected faults of moves', () => {
  it.each(Object.keys(moveSteps))('fails %s when fail_methods names it, changing nothing', async (method) => {
    const { arrange, act } = moveSteps[method];
    const driver = await arrange(`[fake_driver]\nfail_methods = compute1:${method}\n`);
    const before = await observe(driver);
    await expect(act(driver)).rejects.toThrow(new VirtDriverError(`injected failure of ${method}`));
    expect(await observe(driver)).toEqual(before);
  });

  it('fails liveMigrationForceComplete when fail_methods names it, the copy going on', async () => {
    const source = await guestIn(
      'RUNNING',
      '[fake_driver]\nfail_methods = liveMigrationForceComplete\nslow_methods = liveMigrate:0.3\n',
    );
    const { progress, control } = recorder(source);
    const copying = source.liveMigrate(UUID, 'compute2', control);
    await progressed(progress);
    await expect(source.liveMigrationForceComplete(UUID)).rejects.toThrow(
      'injected failure of liveMigrationForceComplete',
    );
    expect(await source.getInfo(UUID)).toEqual({ powerState: PowerState.RUNNING });
    await copying;
    expect(progress.length).toBeGreaterThan(1);
  });

  it('fails a slow liveMigrate at the switch-over, after its copy, leaving the guest running here', async () => {
    const config = '[fake_driver]\nfail_methods = liveMigrate\nslow_methods = liveMigrate:0.3\n';
    const source = await guestIn('RUNNING', config);
    const { progress, control } = recorder(source);
    const started = Date.now();
    await expect(source.liveMigrate(UUID, 'compute2', control)).rejects.toThrow(
      'injected failure of liveMigrate',
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.some((step) => step.memoryProcessed === MEMORY)).toBe(false);
    expect(await source.listGuests()).toEqual(guests('RUNNING'));
  });

  it('fails a move step on the host a host:method entry names only', async () => {
    const config = '[fake_driver]\nfail_methods = compute2:finishMigration\n';
    await expect(driverOf(config, 'compute2').finishMigration(resized(), true)).rejects.toThrow(
      'injected failure of finishMigration',
    );
    expect(await driverOf(config, 'compute3').finishMigration(resized(), true)).toEqual(running);
  });
});

describe('fake virt driver: guests outlive the compute worker', () => {
  const stateFile = () => join(mkdtempSync(join(tmpdir(), 'fake-guests-')), 'compute1', 'fake-guests.json');
  /** Until the state is written: a change is written within milliseconds of it. */
  const written = async (file: string) => {
    for (let tries = 0; tries < 100 && !existsSync(file); tries++)
      await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
  };

  it('finds the guests a driver of the same host left, in the state they were in', async () => {
    const file = stateFile();
    const before = new FakeDriver('compute1', parseConfig('').config, file);
    await before.spawn(spec());
    await before.spawn(spec(UNKNOWN));
    await before.pause(UUID);
    await before.destroy(UNKNOWN);
    await written(file);

    const after = new FakeDriver('compute1', parseConfig('').config, file);
    expect(await after.listGuests()).toEqual(new Map([[UUID, PowerState.PAUSED]]));
    expect((await after.getAvailableResource()).memoryMbUsed).toBe(512);
    await after.unpause(UUID);
    expect(await after.getInfo(UUID)).toEqual({ powerState: PowerState.RUNNING });
  });

  it('takes a live copy that completed before the source worker restarted as done, when the destination has the guest', async () => {
    const file = stateFile();
    const destFile = join(dirname(dirname(file)), 'compute2', 'fake-guests.json');
    const config = parseConfig('').config;
    const source = new FakeDriver('compute1', config, file);
    const destination = new FakeDriver('compute2', config, destFile);
    await source.spawn(spec());
    await destination.preLiveMigration(spec());
    await source.liveMigrate(UUID, 'compute2', recorder(source).control);
    await written(file);
    await written(destFile);

    const restarted = new FakeDriver('compute1', config, file);
    await restarted.liveMigrate(UUID, 'compute2', recorder(restarted).control);
    // Nowhere else: a guest that is neither here nor there was never copied.
    await expect(restarted.liveMigrate(UUID, 'compute3', recorder(restarted).control)).rejects.toThrow(
      GuestNotFound,
    );
  });

  it('starts empty without a state file, or with one that cannot be read', async () => {
    const file = stateFile();
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, '{not json');
    expect((await new FakeDriver('compute1', parseConfig('').config, file).listGuests()).size).toBe(0);
    expect((await driverOf().listGuests()).size).toBe(0);
  });
});

describe('fake virt driver: interfaces synced with their ports', () => {
  const nic = (portId: string, fixedIps: string[]) => ({
    portId,
    networkId: 'net-1',
    networkName: 'private',
    macAddress: `fa:16:3e:00:00:0${portId.length}`,
    fixedIps,
  });
  const withNics = () => ({ ...spec(), interfaces: [nic('p1', ['10.0.0.5']), nic('p22', ['10.0.0.6'])] });

  it('plugs the interfaces of its spec, unplugs one whose port is gone and re-addresses another', async () => {
    const driver = driverOf();
    await driver.spawn(withNics());
    expect(driver.interfacesOf(UUID).map((n) => n.portId)).toEqual(['p1', 'p22']);
    await driver.syncInterfaces(UUID, [nic('p22', ['10.0.0.7'])], 10);
    expect(driver.interfacesOf(UUID)).toEqual([nic('p22', ['10.0.0.7'])]);
    // Retried: the same.
    await driver.syncInterfaces(UUID, [nic('p22', ['10.0.0.7'])], 10);
    expect(driver.interfacesOf(UUID)).toEqual([nic('p22', ['10.0.0.7'])]);
  });

  it('never plugs a port it lacks, and ignores a sync read before the one it applied', async () => {
    const driver = driverOf();
    await driver.spawn(withNics());
    await driver.syncInterfaces(UUID, [nic('p1', ['10.0.0.5']), nic('p333', ['10.0.0.8'])], 20);
    expect(driver.interfacesOf(UUID)).toEqual([nic('p1', ['10.0.0.5'])]);
    await driver.syncInterfaces(UUID, [nic('p1', ['10.0.0.9'])], 19);
    expect(driver.interfacesOf(UUID)).toEqual([nic('p1', ['10.0.0.5'])]);
  });

  it('knows no guest it lacks', async () => {
    await expect(driverOf().syncInterfaces(UNKNOWN, [], 1)).rejects.toBeInstanceOf(GuestNotFound);
  });
});
