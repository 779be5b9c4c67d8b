import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createComputeActivities } from '../../activities/compute';
import { tailLines } from '../../activities/compute/console-tail';
import { type ImageCache } from '../../apps/worker-compute/image-cache';
import { type GuestSpec, type LiveMigrationProgress } from '../../apps/worker-compute/virt/driver';
import { FakeDriver } from '../../apps/worker-compute/virt/fake/fake-driver';
import { FailureType } from '../../common/compute/failures';
import { parseConfig } from '../../common/config';
import { PowerState } from '../../common/power-state';

const UUID = '6f1e2d3c-4b5a-4968-8776-655443322110';

const spec: GuestSpec = {
  instanceUuid: UUID,
  name: 'instance-0000000a',
  hostname: 'vm1',
  flavor: {
    flavorid: '1',
    name: 'm1.tiny',
    vcpus: 1,
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
};

/** The host activities over a fake driver holding one running guest; the power actions need no image. */
async function hostWith(configText = '') {
  const driver = new FakeDriver('compute1', parseConfig(configText).config);
  await driver.spawn(spec);
  const imageCache = {
    fetch: () => Promise.reject(new Error('no image is fetched here')),
  } as unknown as ImageCache;
  /** The live-migration progress sent to workflows, by workflow id. */
  const reports: [string, LiveMigrationProgress][] = [];
  const reportProgress = async (workflowId: string, progress: LiveMigrationProgress) => {
    reports.push([workflowId, progress]);
  };
  const activities = createComputeActivities({ driver, imageCache, reportProgress });
  const run = <A, R>(activity: (input: A) => Promise<R>, input: A) =>
    new MockActivityEnvironment().run(activity, input);
  return { driver, activities, run, reports };
}

describe('compute activities: in-place server actions', () => {
  it('returns the power state the hypervisor reports after each action', async () => {
    const { activities, run } = await hostWith();
    const guest = { instanceUuid: UUID };
    expect(await run(activities.pause, guest)).toEqual({ powerState: PowerState.PAUSED });
    expect(await run(activities.unpause, guest)).toEqual({ powerState: PowerState.RUNNING });
    expect(await run(activities.suspend, guest)).toEqual({ powerState: PowerState.SUSPENDED });
    expect(await run(activities.resume, guest)).toEqual({ powerState: PowerState.RUNNING });
    expect(await run(activities.powerOff, { ...guest, timeoutSeconds: 60 })).toEqual({
      powerState: PowerState.SHUTDOWN,
    });
    expect(await run(activities.powerOn, guest)).toEqual({ powerState: PowerState.RUNNING });
    expect(await run(activities.powerOff, guest)).toEqual({ powerState: PowerState.SHUTDOWN });
    expect(await run(activities.reboot, { ...guest, type: 'HARD' })).toEqual({
      powerState: PowerState.RUNNING,
    });
    expect(await run(activities.reboot, { ...guest, type: 'SOFT' })).toEqual({
      powerState: PowerState.RUNNING,
    });
  });

  it('returns the same when retried after the action succeeded', async () => {
    const { activities, run } = await hostWith();
    const guest = { instanceUuid: UUID };
    expect(await run(activities.powerOff, guest)).toEqual({ powerState: PowerState.SHUTDOWN });
    expect(await run(activities.powerOff, guest)).toEqual({ powerState: PowerState.SHUTDOWN });
  });

  it.each([
    [
      'a guest the hypervisor lacks',
      '',
      { instanceUuid: '00000000-0000-4000-8000-000000000000' },
      'Instance 00000000-0000-4000-8000-000000000000 could not be found.',
      false,
    ],
    [
      'an impossible transition',
      '',
      { instanceUuid: UUID },
      `Cannot resume instance ${UUID} while it is shutdown.`,
      false,
    ],
    [
      'an injected failure',
      '[fake_driver]\nfail_methods = resume\n',
      { instanceUuid: UUID },
      'injected failure of resume',
      true,
    ],
  ])(
    'turns %s into a non-retryable VirtDriverError failure, resuming a stopped guest',
    async (_what, config, guest, message, retryOnAnotherHost) => {
      const { driver, activities, run } = await hostWith(config);
      await driver.powerOff(UUID);
      const failure = await run(activities.resume, guest).catch((caught: unknown) => caught);
      expect(failure).toBeInstanceOf(ApplicationFailure);
      expect(failure).toMatchObject({
        type: FailureType.VIRT_DRIVER_ERROR,
        message,
        nonRetryable: true,
        details: [{ retryOnAnotherHost }],
      });
    },
  );
});

describe('compute activities: console output', () => {
  it('returns the whole log without a length or with -1, and its last lines with one', async () => {
    const { driver, activities, run } = await hostWith();
    await driver.reboot(UUID, 'HARD');
    const whole = await driver.getConsoleOutput(UUID);
    const lines = whole.split('\n');
    expect(await run(activities.getConsoleOutput, { instanceUuid: UUID })).toEqual({ output: whole });
    expect(await run(activities.getConsoleOutput, { instanceUuid: UUID, length: -1 })).toEqual({
      output: whole,
    });
    expect(await run(activities.getConsoleOutput, { instanceUuid: UUID, length: 2 })).toEqual({
      output: lines.slice(-2).join('\n'),
    });
    expect(await run(activities.getConsoleOutput, { instanceUuid: UUID, length: 1 })).toEqual({
      output: 'vm1 login: (boot 2, after hard reboot)',
    });
    expect(await run(activities.getConsoleOutput, { instanceUuid: UUID, length: 1000 })).toEqual({
      output: whole,
    });
  });

  it.each<[string, number | undefined, string]>([
    ['a\nb\nc', 2, 'b\nc'],
    ['a\nb\nc', 0, ''],
    ['a\nb\nc', undefined, 'a\nb\nc'],
    ['a\nb\nc', -1, 'a\nb\nc'],
    ['a\nb\nc\n', 2, 'b\nc\n'],
    ['a\nb\nc\n', 5, 'a\nb\nc\n'],
    ['', 3, ''],
  ])('tails %j to %s lines as %j', (log, length, tail) => {
    expect(tailLines(log, length)).toBe(tail);
  });
});

describe('compute activities: live migration', () => {
  const MEMORY = 512 * 1024 * 1024;
  const move = { instanceUuid: UUID, destHost: 'compute2' };

  it('forwards the copy progress to the workflow that runs it; the guest has left the host', async () => {
    const { driver, activities, run, reports } = await hostWith();
    await run(activities.liveMigrate, move);
    // MockActivityEnvironment runs the activity for workflow 'test'.
    expect(reports).toEqual([
      [
        'test',
        {
          memoryTotal: MEMORY,
          memoryProcessed: MEMORY,
          memoryRemaining: 0,
          diskTotal: 0,
          diskProcessed: 0,
          diskRemaining: 0,
        },
      ],
    ]);
    expect(await driver.listGuests()).toEqual(new Map());
  });

  it('ends a cancelled copy with a CancelledFailure, the guest still running on the source', async () => {
    const { driver, activities, reports } = await hostWith('[fake_driver]\nslow_methods = liveMigrate:5\n');
    const environment = new MockActivityEnvironment();
    const started = Date.now();
    const copying = environment.run(activities.liveMigrate, move).catch((caught: unknown) => caught);
    while (reports.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(reports[0][1]).toMatchObject({ memoryTotal: MEMORY, memoryRemaining: MEMORY });
    environment.cancel();
    const failure = await copying;
    expect(failure).toBeInstanceOf(CancelledFailure);
    expect(failure).toMatchObject({ message: `Live migration of instance ${UUID} was aborted.` });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await driver.listGuests()).toEqual(new Map([[UUID, PowerState.RUNNING]]));
  });

  it('turns a force-complete without a copy into a VirtDriverError failure no host can fix', async () => {
    const { activities, run } = await hostWith();
    const failure = await run(activities.liveMigrationForceComplete, UUID).catch((caught: unknown) => caught);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({
      type: FailureType.VIRT_DRIVER_ERROR,
      message: `No live migration of instance ${UUID} is in progress.`,
      nonRetryable: true,
      details: [{ retryOnAnotherHost: false }],
    });
  });
});
