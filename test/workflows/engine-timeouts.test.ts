import type { bootWorkflow } from '../../workflows/boot';
import type { deleteWorkflow } from '../../workflows/delete';
import { CONDUCTOR_TASK_QUEUE } from '../../common/task-queues';
import { bootConductor, healthyHost } from './support/boot-fleet';
import type { Journal } from './support/fakes';
import { newOperation, recordHistory, Testbed } from './support/testbed';

/**
 * The two scenarios that wait out the engine's own fixed timeouts, which a dev server spends in
 * real time (see support/environment.ts): a conductor step retried until its attempts are spent
 * (about 43 s of backoff) and a delete whose host polls no more (the 30 s schedule-to-start
 * timeout). Both run at once on one set of workers; the tests then read their outcomes.
 */
let testbed: Testbed;
const boot = newOperation('create');
const del = newOperation('delete');
let outcomes: { boot: string; delete: string };
let journal: Journal;

beforeAll(async () => {
  testbed = await Testbed.create();
  const conductor = bootConductor({
    prepareBuild: async () => {
      throw new Error('connection to the database was lost');
    },
    beginOperation: async () => ({
      host: 'compute-gone',
      node: 'compute-gone.node',
      vmState: 'active',
      powerState: 1,
    }),
    completeDelete: async () => undefined,
  });
  // No worker polls compute.compute-gone: the host is down. compute-a, where the boot was to
  // go, answers the undo's destroy.
  outcomes = await testbed.run({ conductor, hosts: { 'compute-a': healthyHost() } }, async (calls) => {
    journal = calls;
    const [bootHandle, deleteHandle] = await Promise.all([
      testbed.client.workflow.start<typeof bootWorkflow>('bootWorkflow', {
        taskQueue: CONDUCTOR_TASK_QUEUE,
        workflowId: boot.workflowId,
        args: [{ operation: 'create', instanceUuid: boot.instanceUuid, requestId: boot.requestId }],
      }),
      testbed.client.workflow.start<typeof deleteWorkflow>('deleteWorkflow', {
        taskQueue: CONDUCTOR_TASK_QUEUE,
        workflowId: del.workflowId,
        args: [{ operation: 'delete', instanceUuid: del.instanceUuid, requestId: del.requestId }],
      }),
    ]);
    const [bootOutcome, deleteOutcome] = await Promise.all([bootHandle.result(), deleteHandle.result()]);
    await recordHistory('boot-step-exhausted', bootHandle);
    await recordHistory('delete-host-unreachable', deleteHandle);
    return { boot: bootOutcome, delete: deleteOutcome };
  });
}, 120_000);
afterAll(() => testbed?.teardown());

const of = (instanceUuid: string) => (call: { input: any }) =>
  (typeof call.input === 'string' ? call.input : call.input?.instanceUuid) === instanceUuid;

describe('a conductor step that keeps failing', () => {
  it('is retried a bounded number of times, then fails the operation with a fault naming the step', () => {
    expect(outcomes.boot).toBe('failed');
    const names = journal.names(of(boot.instanceUuid));
    expect(names.filter((name) => name === 'conductor.prepareBuild')).toHaveLength(10);
    expect(names.slice(-2)).toEqual(['conductor.releaseBuildResources', 'conductor.failOperation']);
    expect(journal.inputsOf('conductor.failOperation')[0].fault).toEqual({
      code: 500,
      message: 'prepareBuild failed: connection to the database was lost',
    });
  });
});

describe('a delete whose host is down', () => {
  it('completes the delete, saying the host was unreachable (it destroys the guest when it reports again)', () => {
    expect(outcomes.delete).toBe('done');
    expect(journal.names(of(del.instanceUuid))).toEqual([
      'conductor.beginOperation',
      'conductor.completeDelete',
    ]);
    expect(journal.inputsOf('conductor.completeDelete')).toEqual([
      expect.objectContaining({ instanceUuid: del.instanceUuid, hostUnreachable: true }),
    ]);
  });
});
