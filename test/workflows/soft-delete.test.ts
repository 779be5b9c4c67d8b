import { WorkflowNotFoundError } from '@temporalio/client';
import type { reclaimWorkflow, ReclaimInput } from '../../workflows/reclaim';
import {
  reclaimWorkflowId,
  type softDeleteWorkflow,
  type SoftDeleteInput,
} from '../../workflows/soft-delete';
import { PowerState } from '../../common/power-state';
import { healthyHost, virtDriverError } from './support/boot-fleet';
import type { ConductorFakes } from './support/fakes';
import { actionConductor } from './support/host-action-fleet';
import { newOperation, recordHistory, Testbed } from './support/testbed';

let testbed: Testbed;
beforeAll(async () => {
  testbed = await Testbed.create();
});
afterAll(() => testbed?.teardown());

/** The conductor's steps of a soft delete, of its reclaim, and of the reclaiming delete. */
const reclaimConductor = (claimed: boolean): ConductorFakes => ({
  ...actionConductor(),
  claimForReclaim: async () => claimed,
  completeDelete: async () => undefined,
});

const poweredOff = async () => ({ powerState: PowerState.SHUTDOWN });

function startSoftDelete() {
  const op = newOperation('soft_delete');
  const input: SoftDeleteInput = {
    operation: 'soft_delete',
    instanceUuid: op.instanceUuid,
    requestId: op.requestId,
    reclaimAfterSeconds: 1,
  };
  return {
    ...op,
    started: testbed.start<typeof softDeleteWorkflow>('softDeleteWorkflow', op.workflowId, input),
  };
}

describe('soft delete', () => {
  it('powers the guest off and completes, then reclaims it after the interval with a delete of its own', async () => {
    const hosts = { 'compute-a': healthyHost({ powerOff: poweredOff }) };
    await testbed.run({ conductor: reclaimConductor(true), hosts }, async (journal) => {
      const softDelete = startSoftDelete();
      const handle = await softDelete.started;
      expect(await handle.result()).toBe('done');
      const reclaim = testbed.client.workflow.getHandle<typeof reclaimWorkflow>(
        reclaimWorkflowId(softDelete.instanceUuid, softDelete.requestId),
      );
      expect(await reclaim.result()).toBe(true);

      const deleteTaskId = `delete-${softDelete.instanceUuid}-reclaim-${softDelete.requestId}`;
      expect(journal.names()).toEqual([
        'conductor.beginOperation',
        'compute-a.powerOff',
        'conductor.completeOperation',
        'conductor.claimForReclaim',
        'conductor.beginOperation',
        'compute-a.destroy',
        'conductor.completeDelete',
      ]);
      expect(journal.inputsOf('conductor.completeOperation')).toEqual([
        expect.objectContaining({ operation: 'soft_delete', powerState: PowerState.SHUTDOWN }),
      ]);
      expect(journal.inputsOf('conductor.claimForReclaim')).toEqual([
        {
          instanceUuid: softDelete.instanceUuid,
          taskId: deleteTaskId,
          requestId: `reclaim-${softDelete.requestId}`,
          softDeleteRequestId: softDelete.requestId,
        },
      ]);
      const [completed, claimed] = ['conductor.completeOperation', 'conductor.claimForReclaim'].map(
        (name) => journal.calls.find((call) => `${call.where}.${call.activity}` === name)!.at,
      );
      expect(claimed - completed).toBeGreaterThanOrEqual(1000);
      // The reclaiming delete is an ordinary delete, under the task the claim gave it.
      expect(journal.inputsOf('conductor.completeDelete')).toEqual([
        expect.objectContaining({ operation: 'delete', taskId: deleteTaskId, hostUnreachable: false }),
      ]);
      await recordHistory('soft-delete', handle);
      await recordHistory('reclaim', reclaim);
      await recordHistory('reclaim-delete', testbed.client.workflow.getHandle(deleteTaskId));
    });
  });

  it('starts no reclaim when the soft delete failed', async () => {
    const hosts = {
      'compute-a': healthyHost({
        powerOff: async () => {
          throw virtDriverError('guest not found on the hypervisor');
        },
      }),
    };
    await testbed.run({ conductor: reclaimConductor(true), hosts }, async (journal) => {
      const softDelete = startSoftDelete();
      expect(await (await softDelete.started).result()).toBe('failed');
      const reclaimId = reclaimWorkflowId(softDelete.instanceUuid, softDelete.requestId);
      await expect(testbed.client.workflow.getHandle(reclaimId).describe()).rejects.toBeInstanceOf(
        WorkflowNotFoundError,
      );
      expect(journal.names()).toEqual([
        'conductor.beginOperation',
        'compute-a.powerOff',
        'conductor.failOperation',
      ]);
    });
  });
});

describe('reclaim', () => {
  it('deletes nothing when the instance was restored (or deleted) meanwhile', async () => {
    await testbed.run(
      { conductor: reclaimConductor(false), hosts: { 'compute-a': healthyHost() } },
      async (journal) => {
        const op = newOperation('reclaim');
        const input: ReclaimInput = {
          instanceUuid: op.instanceUuid,
          requestId: op.requestId,
          afterSeconds: 1,
        };
        const handle = await testbed.start<typeof reclaimWorkflow>('reclaimWorkflow', op.workflowId, input);
        expect(await handle.result()).toBe(false);
        expect(journal.names()).toEqual(['conductor.claimForReclaim']);
        await recordHistory('reclaim-restored', handle);
      },
    );
  });
});
