import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { ResizeDecision } from '../../activities/conductor/moves/resize-steps';
import type { ResizeInput } from '../../workflows/resize';
import { NO_VALID_HOST } from '../../common/compute/failures';
import { TaskState, VmState } from '../../common/compute/instance-states';
import { MigrationStatus } from '../../common/compute/migrations';
import { MOVE_SIGNALS } from '../../common/compute/move-signals';
import { PowerState } from '../../common/power-state';
import { PORT, specFor, virtDriverError } from './support/boot-fleet';
import type { ConductorFakes } from './support/fakes';
import { HOST_A, HOST_B, movingHost, resizeConductor } from './support/move-fleet';
import { newOperation, recordHistory, Testbed } from './support/testbed';

let testbed: Testbed;
beforeAll(async () => {
  testbed = await Testbed.create();
});
afterAll(() => testbed?.teardown());

type ResizeWorkflow = (input: ResizeInput) => Promise<string>;

function startResize(extra: Partial<ResizeInput> = {}) {
  const operation = extra.operation ?? 'resize';
  const op = newOperation(operation);
  const input: ResizeInput = {
    operation,
    instanceUuid: op.instanceUuid,
    requestId: op.requestId,
    migrationUuid: randomUUID(),
    query: { ignoreHosts: [HOST_A.host] },
    confirmWindowSeconds: 0,
    ...extra,
  };
  return { ...op, input, started: testbed.start<ResizeWorkflow>('resizeWorkflow', op.workflowId, input) };
}

/**
 * The database's side of the wait, as decideResize reads it: the API writes `confirming` or
 * `reverting` (and its action's request id) before it signals; the window's end confirms a
 * migration still `finished` under the workflow's autoRequestId.
 */
function decisions() {
  const state: { written: ResizeDecision | null } = { written: null };
  const decideResize: ConductorFakes['decideResize'] = async ({ autoRequestId }) =>
    state.written ?? (autoRequestId ? { decision: 'confirm', requestId: autoRequestId } : null);
  return { state, decideResize };
}

/** The API's confirm or revert: the decision written, then the signal. */
async function decide(
  handle: { signal(name: string, ...args: unknown[]): Promise<void> },
  state: { written: ResizeDecision | null },
  decision: 'confirm' | 'revert',
) {
  const requestId = `req-${randomUUID()}`;
  state.written = { decision, requestId };
  await handle.signal(decision === 'confirm' ? MOVE_SIGNALS.confirmResize : MOVE_SIGNALS.revertResize, {
    requestId,
  });
  return requestId;
}

const MOVE_TO_B = [
  'conductor.beginMove',
  'conductor.scheduleMove',
  'conductor.advanceMove',
  'compute-a.migrateDiskAndPowerOff',
  'conductor.finishMoveEvent',
  'conductor.advanceMove',
  'conductor.advanceMove',
  'conductor.destinationSpec',
  'compute-b.finishMigration',
  'conductor.finishResize',
];

const hosts = () => ({ 'compute-a': movingHost(), 'compute-b': movingHost() });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('resize', () => {
  it('moves to the destination, waits in VERIFY_RESIZE, and confirms on the API signal', async () => {
    const { state, decideResize } = decisions();
    await testbed.run(
      { conductor: resizeConductor(VmState.ACTIVE, { decideResize }), hosts: hosts() },
      async (journal) => {
        const resize = startResize({ confirmWindowSeconds: 300 });
        const handle = await resize.started;
        await journal.started('conductor.finishResize');
        await sleep(300);
        expect(journal.names()).not.toContain('conductor.decideResize');
        const confirmRequest = await decide(handle, state, 'confirm');
        expect(await handle.result()).toBe('done');

        expect(journal.names()).toEqual([
          ...MOVE_TO_B,
          'conductor.decideResize',
          'conductor.beginConfirm',
          'compute-a.confirmMigration',
          'conductor.finishConfirm',
        ]);
        const { instanceUuid, workflowId, input } = resize;
        for (const call of journal.calls.filter((c) => c.where === 'conductor'))
          expect(call.input).toMatchObject({
            instanceUuid,
            taskId: workflowId,
            migrationUuid: input.migrationUuid,
          });
        expect(journal.inputsOf('conductor.scheduleMove')).toEqual([
          expect.objectContaining({ query: { ignoreHosts: ['compute-a'] } }),
        ]);
        expect(journal.inputsOf('conductor.advanceMove')).toEqual([
          expect.objectContaining({
            status: MigrationStatus.MIGRATING,
            taskState: TaskState.RESIZE_MIGRATING,
            event: 'compute_resize_instance',
            eventHost: 'compute-a',
          }),
          expect.objectContaining({
            status: MigrationStatus.POST_MIGRATING,
            taskState: TaskState.RESIZE_MIGRATED,
          }),
          expect.objectContaining({
            status: MigrationStatus.POST_MIGRATING,
            taskState: TaskState.RESIZE_FINISH,
            event: 'compute_finish_resize',
            eventHost: 'compute-b',
          }),
        ]);
        expect(journal.inputsOf('compute-a.migrateDiskAndPowerOff')).toEqual([
          { instanceUuid, destHost: 'compute-b' },
        ]);
        expect(journal.inputsOf('conductor.destinationSpec')).toEqual([
          expect.objectContaining({ destHost: 'compute-b' }),
        ]);
        expect(journal.inputsOf('compute-b.finishMigration')).toEqual([
          { spec: specFor(instanceUuid, 'compute-b', [PORT]), powerOn: true },
        ]);
        expect(journal.inputsOf('conductor.finishResize')).toEqual([
          expect.objectContaining({
            destination: HOST_B,
            powerState: PowerState.RUNNING,
            operation: 'resize',
          }),
        ]);
        // The signal came within the window: no auto-confirm's request id.
        expect(journal.inputsOf('conductor.decideResize').map((input) => input.autoRequestId)).toEqual([
          undefined,
        ]);
        // The confirm's steps finish the confirm's own instance action.
        for (const name of ['conductor.beginConfirm', 'conductor.finishConfirm'])
          expect(journal.inputsOf(name)).toEqual([
            expect.objectContaining({ operation: 'confirm_resize', requestId: confirmRequest }),
          ]);
        expect(journal.inputsOf('compute-a.confirmMigration')).toEqual([instanceUuid]);
        expect(journal.names()).not.toContain('conductor.failOperation');
        expect(new Set(journal.conductorSteps()).size).toBe(journal.conductorSteps().length);
        await recordHistory('resize-confirmed', handle);
      },
    );
  });

  it('reverts on the API signal: the destination destroys its copy, the source powers its own on again', async () => {
    const { state, decideResize } = decisions();
    await testbed.run(
      { conductor: resizeConductor(VmState.ACTIVE, { decideResize }), hosts: hosts() },
      async (journal) => {
        const resize = startResize({ confirmWindowSeconds: 300 });
        const handle = await resize.started;
        await journal.started('conductor.finishResize');
        const revertRequest = await decide(handle, state, 'revert');
        expect(await handle.result()).toBe('done');
        expect(journal.names()).toEqual([
          ...MOVE_TO_B,
          'conductor.decideResize',
          'conductor.beginRevert',
          'compute-b.destroy',
          'conductor.revertToSource',
          'compute-a.finishRevertMigration',
          'conductor.finishRevert',
        ]);
        const { instanceUuid } = resize;
        expect(journal.inputsOf('compute-b.destroy')).toEqual([instanceUuid]);
        expect(journal.inputsOf('compute-a.finishRevertMigration')).toEqual([
          { spec: specFor(instanceUuid, 'compute-a', [PORT]), powerOn: true },
        ]);
        for (const name of ['conductor.beginRevert', 'conductor.revertToSource'])
          expect(journal.inputsOf(name)).toEqual([
            expect.objectContaining({ operation: 'revert_resize', requestId: revertRequest }),
          ]);
        expect(journal.inputsOf('conductor.finishRevert')).toEqual([
          expect.objectContaining({
            operation: 'revert_resize',
            requestId: revertRequest,
            vmState: VmState.ACTIVE,
            powerState: PowerState.RUNNING,
          }),
        ]);
        expect(journal.names()).not.toContain('compute-a.confirmMigration');
        expect(new Set(journal.conductorSteps()).size).toBe(journal.conductorSteps().length);
        await recordHistory('resize-reverted', handle);
      },
    );
  });

  it('a STOPPED server (cold migration) stays off on the destination, and stays off when reverted', async () => {
    const { state, decideResize } = decisions();
    const conductor = resizeConductor(VmState.STOPPED, { decideResize });
    await testbed.run({ conductor, hosts: hosts() }, async (journal) => {
      const migrate = startResize({ operation: 'migrate', confirmWindowSeconds: 300 });
      const handle = await migrate.started;
      await journal.started('conductor.finishResize');
      await decide(handle, state, 'revert');
      expect(await handle.result()).toBe('done');
      expect(journal.inputsOf('compute-b.finishMigration')).toEqual([
        expect.objectContaining({ powerOn: false }),
      ]);
      expect(journal.inputsOf('conductor.finishResize')).toEqual([
        expect.objectContaining({ operation: 'migrate', powerState: PowerState.SHUTDOWN }),
      ]);
      expect(journal.inputsOf('compute-a.finishRevertMigration')).toEqual([
        expect.objectContaining({ powerOn: false }),
      ]);
      expect(journal.inputsOf('conductor.finishRevert')).toEqual([
        expect.objectContaining({ vmState: VmState.STOPPED, powerState: PowerState.SHUTDOWN }),
      ]);
      await recordHistory('migrate-stopped-reverted', handle);
    });
  });

  /*
   * The dev server these tests run on (support/environment.ts) has no time skipping: the confirm
   * window is spent in real time, so it is 2 s here rather than Nova's default 300 s... The
   * workflow only passes `${confirmWindowSeconds} seconds` to condition(), so the length is moot.
   */
  it('confirms itself once the confirm window ends without a signal, under an auto request id', async () => {
    const { decideResize } = decisions();
    await testbed.run(
      { conductor: resizeConductor(VmState.ACTIVE, { decideResize }), hosts: hosts() },
      async (journal) => {
        const resize = startResize({ confirmWindowSeconds: 2 });
        const handle = await resize.started;
        expect(await handle.result()).toBe('done');
        expect(journal.names().slice(MOVE_TO_B.length)).toEqual([
          'conductor.decideResize',
          'conductor.beginConfirm',
          'compute-a.confirmMigration',
          'conductor.finishConfirm',
        ]);
        const [decided] = journal.calls.filter((call) => call.activity === 'decideResize');
        const [finished] = journal.calls.filter((call) => call.activity === 'finishResize');
        expect(decided.at - finished.at).toBeGreaterThanOrEqual(1900);
        const autoRequestId = decided.input.autoRequestId;
        expect(autoRequestId).toMatch(/^req-[0-9a-f-]{36}$/);
        expect(autoRequestId).not.toBe(resize.requestId);
        expect(journal.inputsOf('conductor.finishConfirm')).toEqual([
          expect.objectContaining({ operation: 'confirm_resize', requestId: autoRequestId }),
        ]);
        await recordHistory('resize-auto-confirmed', handle);
      },
    );
  });

  it('waits out a window that ends with no decision (the migration was not `finished`), then waits again', async () => {
    let asked = 0;
    const conductor = resizeConductor(VmState.ACTIVE, {
      // The first window's end finds nothing to confirm; the second confirms.
      decideResize: async ({ autoRequestId }) =>
        ++asked === 1 || !autoRequestId ? null : { decision: 'confirm', requestId: autoRequestId },
    });
    await testbed.run({ conductor, hosts: hosts() }, async (journal) => {
      const handle = await startResize({ confirmWindowSeconds: 1 }).started;
      expect(await handle.result()).toBe('done');
      const asks = journal.inputsOf('conductor.decideResize');
      expect(asks).toHaveLength(2);
      expect(asks[0].autoRequestId).not.toBe(asks[1].autoRequestId);
      expect(asks[0].step).not.toBe(asks[1].step);
      expect(journal.inputsOf('conductor.finishConfirm')).toEqual([
        expect.objectContaining({ requestId: asks[1].autoRequestId }),
      ]);
      expect(new Set(journal.conductorSteps()).size).toBe(journal.conductorSteps().length);
    });
  });

  it('a signal within the window decides at once, without an auto request id', async () => {
    const { state, decideResize } = decisions();
    await testbed.run(
      { conductor: resizeConductor(VmState.ACTIVE, { decideResize }), hosts: hosts() },
      async (journal) => {
        const handle = await startResize({ confirmWindowSeconds: 5 }).started;
        await journal.started('conductor.finishResize');
        const confirmRequest = await decide(handle, state, 'confirm');
        expect(await handle.result()).toBe('done');
        const [decided] = journal.calls.filter((call) => call.activity === 'decideResize');
        const [finished] = journal.calls.filter((call) => call.activity === 'finishResize');
        expect(decided.at - finished.at).toBeLessThan(4000);
        expect(journal.inputsOf('conductor.decideResize').map((input) => input.autoRequestId)).toEqual([
          undefined,
        ]);
        expect(journal.inputsOf('conductor.finishConfirm')).toEqual([
          expect.objectContaining({ requestId: confirmRequest }),
        ]);
      },
    );
  });

  it('with a confirm window of 0 it never confirms itself: still waiting, undecided, long after', async () => {
    const { decideResize } = decisions();
    await testbed.run(
      { conductor: resizeConductor(VmState.ACTIVE, { decideResize }), hosts: hosts() },
      async (journal) => {
        const handle = await startResize({ confirmWindowSeconds: 0 }).started;
        await journal.started('conductor.finishResize');
        await sleep(4000);
        expect((await handle.describe()).status.name).toBe('RUNNING');
        expect(journal.names()).not.toContain('conductor.decideResize');
        await handle.terminate('test over');
      },
    );
  });

  it('with a confirm window of 0, a signal decides without an auto request id', async () => {
    const { state, decideResize } = decisions();
    await testbed.run(
      { conductor: resizeConductor(VmState.ACTIVE, { decideResize }), hosts: hosts() },
      async (journal) => {
        const handle = await startResize({ confirmWindowSeconds: 0 }).started;
        await journal.started('conductor.finishResize');
        await decide(handle, state, 'confirm');
        expect(await handle.result()).toBe('done');
        expect(journal.inputsOf('conductor.decideResize').map((input) => input.autoRequestId)).toEqual([
          undefined,
        ]);
      },
    );
  });

  it('asks again when the decideResize step gives up: the server keeps waiting, then confirms', async () => {
    let calls = 0;
    const conductor = resizeConductor(VmState.ACTIVE, {
      decideResize: async ({ requestId }) => {
        if (++calls === 1)
          throw ApplicationFailure.nonRetryable('connection to the database lost', 'QueryFailedError');
        return { decision: 'confirm', requestId };
      },
    });
    await testbed.run({ conductor, hosts: hosts() }, async (journal) => {
      const handle = await startResize({ confirmWindowSeconds: 1 }).started;
      expect(await handle.result()).toBe('done');
      expect(journal.inputsOf('conductor.decideResize')).toHaveLength(2);
      expect(journal.names()).not.toContain('conductor.failOperation');
      expect(journal.names()).toContain('conductor.finishConfirm');
    });
  });

  it('refuses a resize to its own host when the driver cannot, before any host acts', async () => {
    const conductor = resizeConductor(VmState.ACTIVE, {
      scheduleMove: async () => ({ destinations: [HOST_A] }),
      hostCapabilities: async () => ({ supportsMigrateToSameHost: false }),
    });
    await testbed.run({ conductor, hosts: hosts() }, async (journal) => {
      const resize = startResize({ query: {} });
      const handle = await resize.started;
      expect(await handle.result()).toBe('failed');
      expect(journal.names()).toEqual([
        'conductor.beginMove',
        'conductor.scheduleMove',
        'conductor.hostCapabilities',
        'conductor.revertMove',
        'conductor.failOperation',
      ]);
      expect(journal.inputsOf('conductor.hostCapabilities')).toEqual([
        expect.objectContaining({ host: 'compute-a' }),
      ]);
      const [failed] = journal.inputsOf('conductor.failOperation');
      expect(failed.fault).toEqual({
        code: 400,
        message: `Unable to migrate instance (${resize.instanceUuid}) to current host (compute-a).`,
      });
      expect(failed.toError).toBeFalsy();
      expect(journal.inputsOf('conductor.revertMove')).toEqual([
        expect.objectContaining({ status: MigrationStatus.ERROR }),
      ]);
      await recordHistory('resize-same-host-refused', handle);
    });
  });

  it('resizes on its own host when the driver can: no destroy there, and confirming confirms on it', async () => {
    const { state, decideResize } = decisions();
    const conductor = resizeConductor(VmState.ACTIVE, {
      decideResize,
      scheduleMove: async () => ({ destinations: [HOST_A] }),
      hostCapabilities: async () => ({ supportsMigrateToSameHost: true }),
    });
    await testbed.run({ conductor, hosts: hosts() }, async (journal) => {
      const handle = await startResize({ query: {}, confirmWindowSeconds: 300 }).started;
      await journal.started('conductor.finishResize');
      await decide(handle, state, 'revert');
      expect(await handle.result()).toBe('done');
      expect(journal.names()).toEqual([
        'conductor.beginMove',
        'conductor.scheduleMove',
        'conductor.hostCapabilities',
        'conductor.advanceMove',
        'compute-a.migrateDiskAndPowerOff',
        'conductor.finishMoveEvent',
        'conductor.advanceMove',
        'conductor.advanceMove',
        'conductor.destinationSpec',
        'compute-a.finishMigration',
        'conductor.finishResize',
        'conductor.decideResize',
        'conductor.beginRevert',
        // The destination is the source: its guest is not destroyed.
        'conductor.revertToSource',
        'compute-a.finishRevertMigration',
        'conductor.finishRevert',
      ]);
      expect(journal.inputsOf('compute-a.migrateDiskAndPowerOff')).toEqual([
        expect.objectContaining({ destHost: 'compute-a' }),
      ]);
    });
  });

  it('fails a migrate with NoValidHost when nothing fits, the server left as it was', async () => {
    const conductor = resizeConductor(VmState.ACTIVE, {
      scheduleMove: async () => ({
        destinations: [],
        reason: 'No valid host was found. There are not enough hosts available.',
      }),
    });
    await testbed.run({ conductor, hosts: hosts() }, async (journal) => {
      const handle = await startResize({ operation: 'migrate' }).started;
      expect(await handle.result()).toBe('failed');
      expect(journal.names()).toEqual([
        'conductor.beginMove',
        'conductor.scheduleMove',
        'conductor.revertMove',
        'conductor.failOperation',
      ]);
      expect(journal.inputsOf('conductor.revertMove')).toEqual([
        expect.objectContaining({ status: MigrationStatus.ERROR }),
      ]);
      const [failed] = journal.inputsOf('conductor.failOperation');
      expect(failed).toMatchObject({ operation: 'migrate' });
      expect(failed.fault).toEqual({
        code: 500,
        message: NO_VALID_HOST,
        details: 'No valid host was found. There are not enough hosts available.',
      });
      expect(failed.toError).toBeFalsy();
      await recordHistory('migrate-no-valid-host', handle);
    });
  });

  it('when the source fails to hand its disks over, puts the instance back and leaves it in ERROR', async () => {
    const fleet = {
      conductor: resizeConductor(),
      hosts: {
        'compute-a': movingHost({
          migrateDiskAndPowerOff: async () => {
            throw virtDriverError('disk copy failed: no space left on device', false);
          },
        }),
        'compute-b': movingHost(),
      },
    };
    await testbed.run(fleet, async (journal) => {
      const resize = startResize();
      const handle = await resize.started;
      expect(await handle.result()).toBe('failed');
      expect(journal.names()).toEqual([
        'conductor.beginMove',
        'conductor.scheduleMove',
        'conductor.advanceMove',
        'compute-a.migrateDiskAndPowerOff',
        // Undos, newest first: whatever reached the destination, then the claims and the instance.
        'compute-b.destroy',
        'conductor.revertMove',
        'conductor.failOperation',
      ]);
      expect(journal.inputsOf('compute-a.migrateDiskAndPowerOff')).toHaveLength(1);
      expect(journal.inputsOf('conductor.revertMove')).toEqual([
        expect.objectContaining({ status: MigrationStatus.ERROR }),
      ]);
      const [failed] = journal.inputsOf('conductor.failOperation');
      expect(failed.toError).toBe(true);
      expect(failed.fault).toEqual({
        code: 500,
        message: 'migrateDiskAndPowerOff failed: disk copy failed: no space left on device',
      });
      await recordHistory('resize-source-failed', handle);
    });
  });

  it('when the destination fails to finish, destroys its copy, puts the instance back, ERROR', async () => {
    const fleet = {
      conductor: resizeConductor(),
      hosts: {
        'compute-a': movingHost(),
        'compute-b': movingHost({
          finishMigration: async () => {
            throw virtDriverError('libvirt: cannot start the domain', false);
          },
        }),
      },
    };
    await testbed.run(fleet, async (journal) => {
      const resize = startResize();
      const handle = await resize.started;
      expect(await handle.result()).toBe('failed');
      expect(journal.names()).toEqual([
        ...MOVE_TO_B.slice(0, -1),
        'compute-b.destroy',
        'conductor.revertMove',
        'conductor.failOperation',
      ]);
      expect(journal.inputsOf('compute-b.destroy')).toEqual([resize.instanceUuid]);
      expect(journal.inputsOf('conductor.revertMove')).toEqual([
        expect.objectContaining({ status: MigrationStatus.ERROR }),
      ]);
      const [failed] = journal.inputsOf('conductor.failOperation');
      expect(failed.toError).toBe(true);
      expect(failed.fault).toEqual({
        code: 500,
        message: 'finishMigration failed: libvirt: cannot start the domain',
      });
      expect(journal.names()).not.toContain('conductor.finishResize');
      await recordHistory('resize-destination-failed', handle);
    });
  });

  it('cancelled while resized (a delete preempting): the source copy and claim go, the workflow ends cancelled', async () => {
    const { decideResize } = decisions();
    await testbed.run(
      { conductor: resizeConductor(VmState.ACTIVE, { decideResize }), hosts: hosts() },
      async (journal) => {
        const resize = startResize({ confirmWindowSeconds: 300 });
        const handle = await resize.started;
        await journal.started('conductor.finishResize');
        await sleep(300);
        await handle.cancel();
        const error = await handle.result().catch((failure) => failure);
        expect(error).toBeInstanceOf(WorkflowFailedError);
        expect((await handle.describe()).status.name).toBe('CANCELLED');
        expect(journal.names()).toEqual([...MOVE_TO_B, 'compute-a.destroy', 'conductor.releaseResizeSource']);
        expect(journal.inputsOf('compute-a.destroy')).toEqual([resize.instanceUuid]);
        expect(journal.inputsOf('conductor.releaseResizeSource')).toEqual([
          expect.objectContaining({ migrationUuid: resize.input.migrationUuid, taskId: resize.workflowId }),
        ]);
        expect(new Set(journal.conductorSteps()).size).toBe(journal.conductorSteps().length);
        await recordHistory('resize-cancelled-while-resized', handle);
      },
    );
  });

  it('cancelled while resized on its own host: the host confirms (drops the old copy) instead of destroying', async () => {
    const conductor = resizeConductor(VmState.ACTIVE, {
      scheduleMove: async () => ({ destinations: [HOST_A] }),
      hostCapabilities: async () => ({ supportsMigrateToSameHost: true }),
    });
    await testbed.run({ conductor, hosts: hosts() }, async (journal) => {
      const handle = await startResize({ query: {}, confirmWindowSeconds: 300 }).started;
      await journal.started('conductor.finishResize');
      await sleep(300);
      await handle.cancel();
      await expect(handle.result()).rejects.toBeInstanceOf(WorkflowFailedError);
      expect(journal.names().slice(-3)).toEqual([
        'conductor.finishResize',
        'compute-a.confirmMigration',
        'conductor.releaseResizeSource',
      ]);
      expect(journal.names()).not.toContain('compute-a.destroy');
    });
  });
});
