import { Context } from '@temporalio/activity';
import type { rebootWorkflow, RebootInput } from '../../workflows/reboot';
import { TaskState } from '../../common/compute/instance-states';
import { PowerState } from '../../common/power-state';
import { virtDriverError } from './support/boot-fleet';
import type { HostFakes } from './support/fakes';
import { actionConductor } from './support/host-action-fleet';
import { newOperation, recordHistory, Testbed } from './support/testbed';

let testbed: Testbed;
beforeAll(async () => {
  testbed = await Testbed.create();
});
afterAll(() => testbed?.teardown());

const running = async () => ({ powerState: PowerState.RUNNING });

/** A guest that ignores a soft reboot (it never comes back), and honours a hard one. */
const ignoresSoftReboot: HostFakes = {
  reboot: async ({ type }) => {
    if (type === 'HARD') return running();
    await Context.current().sleep(60_000);
    throw new Error('unreachable: the soft reboot times out first');
  },
};

function startReboot(operation: RebootInput['operation']) {
  const op = newOperation(operation);
  const input: RebootInput = {
    operation,
    instanceUuid: op.instanceUuid,
    requestId: op.requestId,
    rebootTimeoutSeconds: 1,
  };
  return { ...op, started: testbed.start<typeof rebootWorkflow>('rebootWorkflow', op.workflowId, input) };
}

describe('reboot', () => {
  it('SOFT: the guest restarts, and the reboot completes with its power state', async () => {
    await testbed.run(
      { conductor: actionConductor(), hosts: { 'compute-a': { reboot: running } } },
      async (journal) => {
        const reboot = startReboot('reboot_soft');
        const handle = await reboot.started;
        expect(await handle.result()).toBe('done');
        expect(journal.names()).toEqual([
          'conductor.beginOperation',
          'compute-a.reboot',
          'conductor.completeOperation',
        ]);
        expect(journal.inputsOf('compute-a.reboot')).toEqual([
          { instanceUuid: reboot.instanceUuid, type: 'SOFT' },
        ]);
        expect(journal.inputsOf('conductor.completeOperation')[0].powerState).toBe(PowerState.RUNNING);
        await recordHistory('reboot-soft', handle);
      },
    );
  });

  it('SOFT: a guest that has not restarted within reboot_timeout is rebooted HARD (task_state rebooting_hard)', async () => {
    await testbed.run(
      { conductor: actionConductor(), hosts: { 'compute-a': ignoresSoftReboot } },
      async (journal) => {
        const reboot = startReboot('reboot_soft');
        const handle = await reboot.started;
        expect(await handle.result()).toBe('done');
        expect(journal.names()).toEqual([
          'conductor.beginOperation',
          'compute-a.reboot',
          'conductor.setTaskState',
          'compute-a.reboot',
          'conductor.completeOperation',
        ]);
        expect(journal.inputsOf('compute-a.reboot').map((input) => input.type)).toEqual(['SOFT', 'HARD']);
        expect(journal.inputsOf('conductor.setTaskState')).toEqual([
          expect.objectContaining({ taskState: TaskState.REBOOTING_HARD }),
        ]);
        // The soft attempt had its reboot_timeout (1 s) and no retry, as its scheduling recorded.
        const scheduled = (await handle.fetchHistory()).events!.flatMap((event) =>
          event.activityTaskScheduledEventAttributes?.activityType?.name === 'reboot'
            ? [event.activityTaskScheduledEventAttributes]
            : [],
        );
        expect(Number(scheduled[0].startToCloseTimeout?.seconds)).toBe(1);
        expect(scheduled[0].retryPolicy?.maximumAttempts).toBe(1);
        await recordHistory('reboot-soft-then-hard', handle);
      },
    );
  });

  it('SOFT: a host that fails the soft reboot (not a timeout) fails the reboot; no hard reboot', async () => {
    const hosts = {
      'compute-a': {
        reboot: async () => {
          throw virtDriverError('guest not found on the hypervisor');
        },
      },
    };
    await testbed.run({ conductor: actionConductor(), hosts }, async (journal) => {
      const handle = await startReboot('reboot_soft').started;
      expect(await handle.result()).toBe('failed');
      expect(journal.names()).toEqual([
        'conductor.beginOperation',
        'compute-a.reboot',
        'conductor.failOperation',
      ]);
    });
  });

  it('HARD: resets the guest at once', async () => {
    await testbed.run(
      { conductor: actionConductor(), hosts: { 'compute-a': ignoresSoftReboot } },
      async (journal) => {
        const reboot = startReboot('reboot_hard');
        const handle = await reboot.started;
        expect(await handle.result()).toBe('done');
        expect(journal.names()).toEqual([
          'conductor.beginOperation',
          'compute-a.reboot',
          'conductor.completeOperation',
        ]);
        expect(journal.inputsOf('compute-a.reboot')).toEqual([
          { instanceUuid: reboot.instanceUuid, type: 'HARD' },
        ]);
        await recordHistory('reboot-hard', handle);
      },
    );
  });
});
