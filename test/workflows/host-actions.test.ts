import type { OperationInput } from '../../workflows/engine/operation-run';
import type { ComputeActivities } from '../../activities/compute';
import type { OperationName } from '../../common/compute/instance-states';
import { PowerState } from '../../common/power-state';
import { virtDriverError } from './support/boot-fleet';
import { actionConductor } from './support/host-action-fleet';
import { newOperation, recordHistory, Testbed } from './support/testbed';

let testbed: Testbed;
beforeAll(async () => {
  testbed = await Testbed.create();
});
afterAll(() => testbed?.teardown());

type PowerActivity = 'powerOff' | 'powerOn' | 'pause' | 'unpause' | 'suspend' | 'resume';

/** Each in-place action: its workflow, the host activity it runs, the power state the host then reports. */
const ACTIONS: [OperationName, string, PowerActivity, number][] = [
  ['stop', 'stopWorkflow', 'powerOff', PowerState.SHUTDOWN],
  ['start', 'startWorkflow', 'powerOn', PowerState.RUNNING],
  ['pause', 'pauseWorkflow', 'pause', PowerState.PAUSED],
  ['unpause', 'unpauseWorkflow', 'unpause', PowerState.RUNNING],
  ['suspend', 'suspendWorkflow', 'suspend', PowerState.SUSPENDED],
  ['resume', 'resumeWorkflow', 'resume', PowerState.RUNNING],
  ['restore', 'restoreWorkflow', 'powerOn', PowerState.RUNNING],
];

function startAction(operation: OperationName, workflowType: string) {
  const op = newOperation(operation);
  const input: OperationInput = { operation, instanceUuid: op.instanceUuid, requestId: op.requestId };
  return {
    ...op,
    started: testbed.start<(input: OperationInput) => Promise<string>>(workflowType, op.workflowId, input),
  };
}

const hostWith = (activity: PowerActivity, act: () => Promise<{ powerState: number }>) =>
  ({ [activity]: act }) as Partial<ComputeActivities>;

describe.each(ACTIONS)('%s', (operation, workflowType, activity, powerState) => {
  it(`runs ${activity} on the instance's host and completes with the power state the host reports`, async () => {
    const hosts = { 'compute-a': hostWith(activity, async () => ({ powerState })) };
    await testbed.run({ conductor: actionConductor(), hosts }, async (journal) => {
      const action = startAction(operation, workflowType);
      const handle = await action.started;
      expect(await handle.result()).toBe('done');
      expect(journal.names()).toEqual([
        'conductor.beginOperation',
        `compute-a.${activity}`,
        'conductor.completeOperation',
      ]);
      expect(journal.inputsOf(`compute-a.${activity}`)).toEqual([{ instanceUuid: action.instanceUuid }]);
      expect(journal.inputsOf('conductor.completeOperation')).toEqual([
        expect.objectContaining({
          instanceUuid: action.instanceUuid,
          taskId: action.workflowId,
          operation,
          powerState,
        }),
      ]);
      await recordHistory(operation, handle);
    });
  });

  it('fails the operation when the host fails it, leaving the state revert to the conductor', async () => {
    const hosts = {
      'compute-a': hostWith(activity, async () => {
        throw virtDriverError('guest not found on the hypervisor');
      }),
    };
    await testbed.run({ conductor: actionConductor(), hosts }, async (journal) => {
      const handle = await startAction(operation, workflowType).started;
      expect(await handle.result()).toBe('failed');
      expect(journal.names()).toEqual([
        'conductor.beginOperation',
        `compute-a.${activity}`,
        'conductor.failOperation',
      ]);
      expect(journal.inputsOf('conductor.failOperation')[0].fault).toEqual({
        code: 500,
        message: `${activity} failed: guest not found on the hypervisor`,
      });
    });
  });
});

it('an action on an instance with no host fails as "not ready", asking no host', async () => {
  await testbed.run({ conductor: actionConductor(null) }, async (journal) => {
    const action = startAction('stop', 'stopWorkflow');
    expect(await (await action.started).result()).toBe('failed');
    expect(journal.names()).toEqual(['conductor.beginOperation', 'conductor.failOperation']);
    expect(journal.inputsOf('conductor.failOperation')[0].fault).toEqual({
      code: 500,
      message: `Instance ${action.instanceUuid} is not ready`,
    });
  });
});
