import { randomUUID } from 'node:crypto';
import { Context } from '@temporalio/activity';
import type { WorkflowHandle } from '@temporalio/client';
import type { HostService } from '../../activities/conductor/runbooks/host-services';
import type {
  LaunchOutcome,
  MoveResult,
  RunbookMove,
} from '../../activities/conductor/runbooks/runbook-moves';
import type {
  RunbookInput,
  RunbookName,
  RunbookParameters,
  RunbookProgress,
  RunbookState,
} from '../../common/compute/runbooks';
import type { ConductorFakes } from './support/fakes';
import { recordHistory, Testbed } from './support/testbed';
import { until } from './support/until';

let testbed: Testbed;
beforeAll(async () => {
  testbed = await Testbed.create();
});
afterAll(() => testbed?.teardown());

const WORKFLOWS: Record<RunbookName, string> = {
  'drain-host': 'drainHostWorkflow',
  'evacuate-host': 'evacuateHostWorkflow',
  'host-maintenance': 'hostMaintenanceWorkflow',
};

/**
 * A small cloud as the conductor's runbook steps see it: services, and where each instance is.
 * Moves go to `compute-b` (or where asked); an instance can be made to refuse, be held by another
 * operation for a while, or fail its move.
 */
class FakeCloud {
  readonly services = new Map<string, HostService>();
  readonly hostOf = new Map<string, string>();
  readonly refused = new Set<string>();
  readonly failing = new Set<string>();
  /** Instances another operation holds, for this many more launch attempts. */
  readonly heldFor = new Map<string, number>();
  readonly launches: RunbookMove[] = [];
  readonly finished: { state: RunbookState; progress: RunbookProgress }[] = [];
  /** Moves wait here until released (release() lets them all end). */
  private gate: Promise<void> = Promise.resolve();
  private open: () => void = () => {};

  constructor(instances: number, host = 'compute-a', service: Partial<HostService> = {}) {
    for (const name of [host, 'compute-b'])
      this.services.set(name, {
        exists: true,
        up: true,
        disabled: false,
        disabledReason: null,
        forcedDown: false,
      });
    Object.assign(this.services.get(host)!, service);
    for (let i = 0; i < instances; i++) this.hostOf.set(randomUUID(), host);
  }

  get uuids(): string[] {
    return [...this.hostOf.keys()];
  }

  /** From now on moves wait until release(). */
  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open();
  }

  fakes(): ConductorFakes {
    return {
      hostService: async (host: string) =>
        this.services.get(host) ?? { ...this.services.get(host)!, exists: false },
      setHostDisabled: async ({ host, disabled, reason }) => {
        Object.assign(this.services.get(host)!, { disabled, disabledReason: reason });
        return this.services.get(host)!;
      },
      setHostForcedDown: async ({ host, forcedDown }) => {
        Object.assign(this.services.get(host)!, { forcedDown, up: false });
        return this.services.get(host)!;
      },
      hostInstances: async (host: string) =>
        [...this.hostOf]
          .filter(([, at]) => at === host)
          .map(([uuid]) => ({ uuid, name: `vm-${uuid.slice(0, 4)}` })),
      launchMove: async (move: RunbookMove): Promise<LaunchOutcome> => {
        this.launches.push(move);
        const held = this.heldFor.get(move.instanceUuid) ?? 0;
        if (held > 0) {
          this.heldFor.set(move.instanceUuid, held - 1);
          return { outcome: 'busy', reason: 'held by resize_migrating (resize-x)' };
        }
        if (this.refused.has(move.instanceUuid))
          return {
            outcome: 'refused',
            reason: `Cannot 'live-migration' instance ${move.instanceUuid} while it is in vm_state stopped`,
          };
        return { outcome: 'launched', workflowId: `${move.kind}-${move.instanceUuid}-${move.requestId}` };
      },
      awaitMove: async ({ instanceUuid }): Promise<MoveResult> => {
        // A worker shutting down cancels it, as it would a real wait: the server retries it elsewhere.
        await Promise.race([this.gate, Context.current().cancelled]);
        if (this.failing.has(instanceUuid))
          return { moved: false, host: this.hostOf.get(instanceUuid)!, reason: 'migration error' };
        const move = this.launches.findLast((launch) => launch.instanceUuid === instanceUuid)!;
        const to = move.toHost ?? 'compute-b';
        this.hostOf.set(instanceUuid, to);
        return { moved: true, host: to };
      },
      recordRunbookProgress: async () => {},
      finishRunbook: async ({ state, progress }) => void this.finished.push({ state, progress }),
    };
  }
}

function runbookInput(runbook: RunbookName, parameters: Partial<RunbookParameters> = {}): RunbookInput {
  const id = `${runbook}-compute-a-${randomUUID().slice(0, 8)}`;
  return {
    id,
    runbook,
    host: 'compute-a',
    actor: { userId: 'admin-id', userName: 'admin', projectId: 'admin-project' },
    parameters: {
      concurrency: 2,
      approve_batches: false,
      reason: `runbook ${id}`,
      busy_wait_seconds: 60,
      force_down: false,
      maintenance_seconds: 0,
      move_back: false,
      ...parameters,
    },
  };
}

function start(input: RunbookInput): Promise<WorkflowHandle> {
  return testbed.start(WORKFLOWS[input.runbook], input.id, input);
}

const progressOf = (handle: WorkflowHandle) => handle.query<RunbookProgress>('progress');

/** Waits until the runbook is in `state` with `done` batches done (any, when not given). */
async function untilState(
  handle: WorkflowHandle,
  state: RunbookState,
  done?: number,
): Promise<RunbookProgress> {
  let last: RunbookProgress | undefined;
  const reached = async () => {
    last = await progressOf(handle);
    return last.state === state && (done === undefined || last.batches.done === done);
  };
  await until(reached, `runbook ${state} after ${done ?? 'any'} batches`);
  return last!;
}

const statuses = (progress: RunbookProgress) => progress.instances.map((entry) => entry.status);

describe('drain-host runbook', () => {
  it('disables the host, waits for approval of each batch, holds while paused, and moves every instance it may', async () => {
    const cloud = new FakeCloud(5);
    const [stopped, held] = cloud.uuids;
    cloud.refused.add(stopped);
    cloud.heldFor.set(held, 1);
    await testbed.run({ conductor: cloud.fakes() }, async () => {
      const handle = await start(
        runbookInput('drain-host', { approve_batches: true, busy_wait_seconds: 30 }),
      );
      const waiting = await untilState(handle, 'awaiting-approval', 0);
      expect(cloud.services.get('compute-a')).toMatchObject({
        disabled: true,
        disabledReason: expect.stringMatching(/^runbook drain-host-/),
      });
      expect(waiting.batches).toEqual({ done: 0, total: 3 });
      expect(cloud.launches).toEqual([]);

      // Paused, an approval does not let the batch go: it waits for resume.
      await handle.signal('pause');
      await handle.signal('approve');
      await untilState(handle, 'paused');
      expect(cloud.launches).toEqual([]);
      await handle.signal('resume');
      await untilState(handle, 'awaiting-approval', 1);
      await handle.signal('approve');
      await untilState(handle, 'awaiting-approval', 2);
      await handle.signal('approve');
      const progress: RunbookProgress = await handle.result();

      expect(progress.state).toBe('completed');
      expect(progress.batches).toEqual({ done: 3, total: 3 });
      const byUuid = Object.fromEntries(progress.instances.map((entry) => [entry.uuid, entry]));
      expect(byUuid[stopped]).toMatchObject({
        status: 'skipped',
        reason: expect.stringContaining('vm_state stopped'),
      });
      expect(byUuid[held]).toMatchObject({ status: 'moved', destination: 'compute-b' });
      expect(statuses(progress).filter((status) => status === 'moved')).toHaveLength(4);
      // The held instance was asked for again once its task let go; each move kept its request id.
      const heldLaunches = cloud.launches.filter((launch) => launch.instanceUuid === held);
      expect(heldLaunches).toHaveLength(2);
      expect(new Set(heldLaunches.map((launch) => launch.requestId)).size).toBe(1);
      // The stopped instance is all that is left on the host, which stays disabled.
      expect([...cloud.hostOf].filter(([, host]) => host === 'compute-a').map(([uuid]) => uuid)).toEqual([
        stopped,
      ]);
      expect(cloud.services.get('compute-a')!.disabled).toBe(true);
      expect(cloud.finished).toEqual([{ state: 'completed', progress }]);
      await recordHistory('drain-host', handle);
    });
  });

  it('aborts cleanly: moves under way end, the rest are listed as skipped, and the host is enabled again', async () => {
    const cloud = new FakeCloud(6);
    cloud.hold();
    await testbed.run({ conductor: cloud.fakes() }, async () => {
      const handle = await start(runbookInput('drain-host', { concurrency: 2 }));
      await until(() => cloud.launches.length === 2, 'the first batch launched');
      await handle.signal('abort');
      cloud.release();
      const progress: RunbookProgress = await handle.result();

      expect(progress.state).toBe('aborted');
      expect(statuses(progress)).toEqual(['moved', 'moved', 'skipped', 'skipped', 'skipped', 'skipped']);
      expect(progress.instances[2].reason).toBe('runbook aborted');
      expect(cloud.launches).toHaveLength(2);
      expect(cloud.services.get('compute-a')).toMatchObject({ disabled: false, disabledReason: null });
    });
  });

  it('leaves the host disabled when the abort says so, and leaves a host that was disabled before as it was', async () => {
    const cloud = new FakeCloud(4);
    cloud.hold();
    await testbed.run({ conductor: cloud.fakes() }, async () => {
      const handle = await start(runbookInput('drain-host', { concurrency: 1 }));
      await until(() => cloud.launches.length === 1, 'the first move launched');
      await handle.signal('abort', { enable_host: false });
      cloud.release();
      expect(((await handle.result()) as RunbookProgress).state).toBe('aborted');
      expect(cloud.services.get('compute-a')!.disabled).toBe(true);
    });
    const before = new FakeCloud(1, 'compute-a', { disabled: true, disabledReason: 'broken fan' });
    await testbed.run({ conductor: before.fakes() }, async () => {
      const progress: RunbookProgress = await (await start(runbookInput('drain-host'))).result();
      expect(progress.state).toBe('completed');
      expect(before.services.get('compute-a')).toMatchObject({
        disabled: true,
        disabledReason: 'broken fan',
      });
    });
  });

  it('resumes where it was when its conductor worker is replaced mid-way', async () => {
    const cloud = new FakeCloud(4);
    cloud.hold();
    const input = runbookInput('drain-host', { concurrency: 1 });
    let handle: WorkflowHandle | undefined;
    await testbed.run({ conductor: cloud.fakes() }, async () => {
      handle = await start(input);
      await until(() => cloud.launches.length === 1, 'the first move launched');
    });
    // A new worker, with no memory of the first: it replays the history and goes on.
    expect(cloud.finished).toEqual([]);
    cloud.release();
    await testbed.run({ conductor: cloud.fakes() }, async () => {
      const progress: RunbookProgress = await handle!.result();
      expect(progress.state).toBe('completed');
      expect(statuses(progress)).toEqual(['moved', 'moved', 'moved', 'moved']);
    });
    // Each instance was launched under one request id, however often its launch ran.
    const requests = new Map<string, Set<string>>();
    for (const launch of cloud.launches)
      requests.set(
        launch.instanceUuid,
        (requests.get(launch.instanceUuid) ?? new Set()).add(launch.requestId),
      );
    expect([...requests.values()].map((ids) => ids.size)).toEqual([1, 1, 1, 1]);
  });

  it('fails with the reason when the host has no compute service', async () => {
    const cloud = new FakeCloud(0);
    cloud.services.delete('compute-a');
    await testbed.run({ conductor: cloud.fakes() }, async () => {
      const progress: RunbookProgress = await (await start(runbookInput('drain-host'))).result();
      expect(progress).toMatchObject({
        state: 'failed',
        message: 'Compute host compute-a could not be found.',
      });
    });
  });
});

describe('evacuate-host runbook', () => {
  it('refuses a host that is up unless told to force it down, then evacuates every instance and reports each', async () => {
    const cloud = new FakeCloud(3);
    cloud.failing.add(cloud.uuids[1]);
    await testbed.run({ conductor: cloud.fakes() }, async () => {
      const refused: RunbookProgress = await (await start(runbookInput('evacuate-host'))).result();
      expect(refused.state).toBe('failed');
      expect(refused.message).toMatch(/still in use/);
      expect(cloud.launches).toEqual([]);

      const handle = await start(runbookInput('evacuate-host', { force_down: true }));
      const progress: RunbookProgress = await handle.result();
      expect(cloud.services.get('compute-a')!.forcedDown).toBe(true);
      expect(progress.state).toBe('completed');
      expect(statuses(progress)).toEqual(['moved', 'failed', 'moved']);
      expect(progress.instances[1]).toMatchObject({ reason: 'migration error', source: 'compute-a' });
      expect(progress.instances[1].destination).toBeUndefined();
      expect(cloud.launches.map((launch) => launch.kind)).toEqual(['evacuate', 'evacuate', 'evacuate']);
      await recordHistory('evacuate-host', handle);
    });
  });
});

describe('host-maintenance runbook', () => {
  it('drains, waits out the maintenance, enables the host and moves the instances back', async () => {
    const cloud = new FakeCloud(2);
    await testbed.run({ conductor: cloud.fakes() }, async () => {
      const handle = await start(
        runbookInput('host-maintenance', { maintenance_seconds: 1, move_back: true }),
      );
      const progress: RunbookProgress = await handle.result();
      expect(progress.state).toBe('completed');
      expect(statuses(progress)).toEqual(['moved', 'moved']);
      expect(progress.returned!.map((entry) => [entry.status, entry.source, entry.destination])).toEqual([
        ['moved', 'compute-b', 'compute-a'],
        ['moved', 'compute-b', 'compute-a'],
      ]);
      expect(cloud.services.get('compute-a')!.disabled).toBe(false);
      expect([...cloud.hostOf.values()]).toEqual(['compute-a', 'compute-a']);
      await recordHistory('host-maintenance', handle);
    });
  });

  it('waits in maintenance until an operator approves when it has no timer', async () => {
    const cloud = new FakeCloud(1);
    await testbed.run({ conductor: cloud.fakes() }, async () => {
      const handle = await start(runbookInput('host-maintenance'));
      await untilState(handle, 'in-maintenance');
      expect(cloud.services.get('compute-a')!.disabled).toBe(true);
      await handle.signal('approve');
      expect(((await handle.result()) as RunbookProgress).state).toBe('completed');
      expect(cloud.services.get('compute-a')!.disabled).toBe(false);
      // Without move_back the instance stays where the drain put it.
      expect([...cloud.hostOf.values()]).toEqual(['compute-b']);
    });
  });
});
