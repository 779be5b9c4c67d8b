import { FakeDriver } from '../../apps/worker-compute/virt/fake/fake-driver';
import { GuestNotFound, type GuestSpec, VirtDriverError } from '../../apps/worker-compute/virt/driver';
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

describe('fake virt driver: in-place server actions', () => {
  it.each<[State, Action, State]>([
    ['RUNNING', 'powerOff', 'SHUTDOWN'],
    ['PAUSED', 'powerOff', 'SHUTDOWN'],
    ['SUSPENDED', 'powerOff', 'SHUTDOWN'],
    ['SHUTDOWN', 'powerOn', 'RUNNING'],
    ['PAUSED', 'powerOn', 'RUNNING'],
    ['RUNNING', 'softReboot', 'RUNNING'],
    ['SHUTDOWN', 'softReboot', 'RUNNING'],
    ['RUNNING', 'hardReboot', 'RUNNING'],
    ['SHUTDOWN', 'hardReboot', 'RUNNING'],
    ['PAUSED', 'hardReboot', 'RUNNING'],
    ['SUSPENDED', 'hardReboot', 'RUNNING'],
    ['RUNNING', 'pause', 'PAUSED'],
    ['PAUSED', 'unpause', 'RUNNING'],
    ['RUNNING', 'suspend', 'SUSPENDED'],
    ['SUSPENDED', 'resume', 'RUNNING'],
  ])('from %s, %s leaves the guest %s', async (before, action, after) => {
    const driver = await guestIn(before);
    await actions[action](driver, UUID);
    expect(await driver.getInfo(UUID)).toEqual({ powerState: PowerState[after] });
    expect(await driver.listGuests()).toEqual(new Map([[UUID, PowerState[after]]]));
  });

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

  it.each<[State, Action, string]>([
    ['SHUTDOWN', 'pause', 'shutdown'],
    ['SUSPENDED', 'pause', 'suspended'],
    ['SHUTDOWN', 'unpause', 'shutdown'],
    ['SUSPENDED', 'unpause', 'suspended'],
    ['SHUTDOWN', 'suspend', 'shutdown'],
    ['PAUSED', 'suspend', 'paused'],
    ['SHUTDOWN', 'resume', 'shutdown'],
    ['PAUSED', 'resume', 'paused'],
  ])(
    'from %s, refuses to %s with an error no host can fix, changing nothing',
    async (before, action, stateName) => {
      const driver = await guestIn(before);
      const error = await actions[action](driver, UUID).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(VirtDriverError);
      expect(error).toMatchObject({
        retryOnAnotherHost: false,
        message: `Cannot ${action} instance ${UUID} while it is ${stateName}.`,
      });
      expect(await driver.getInfo(UUID)).toEqual({ powerState: PowerState[before] });
    },
  );

  it.each([
    ...Object.entries(actions),
    ['getInfo', (driver: FakeDriver, uuid: string) => driver.getInfo(uuid)],
    ['getConsoleOutput', (driver: FakeDriver, uuid: string) => driver.getConsoleOutput(uuid)],
  ] as [string, (driver: FakeDriver, uuid: string) => Promise<unknown>][])(
    '%s of a guest the hypervisor lacks is GuestNotFound, which no other host can fix',
    async (_name, call) => {
      const driver = await guestIn('RUNNING');
      const error = await call(driver, UNKNOWN).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(GuestNotFound);
      expect(error).toBeInstanceOf(VirtDriverError);
      expect(error).toMatchObject({
        message: `Instance ${UNKNOWN} could not be found.`,
        retryOnAnotherHost: false,
      });
      expect(await driver.listGuests()).toEqual(new Map([[UUID, PowerState.RUNNING]]));
    },
  );

  it('does not know a guest once it is destroyed', async () => {
    const driver = await guestIn('RUNNING');
    await driver.destroy(UUID);
    await expect(driver.getInfo(UUID)).rejects.toThrow(GuestNotFound);
    await expect(driver.powerOn(UUID)).rejects.toThrow(GuestNotFound);
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
