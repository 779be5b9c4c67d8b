import { Context } from '@temporalio/activity';
import { createWorkflowControlActivities } from '../../activities/conductor/workflow-control';
import type { bootWorkflow } from '../../workflows/boot';
import type { deleteWorkflow } from '../../workflows/delete';
import { PowerState } from '../../common/power-state';
import { bootConductor, healthyHost, virtDriverError } from './support/boot-fleet';
import type { ConductorFakes } from './support/fakes';
import { newOperation, recordHistory, Testbed } from './support/testbed';

let testbed: Testbed;
beforeAll(async () => {
  testbed = await Testbed.create();
});
afterAll(() => testbed?.teardown());

/** The conductor's delete steps, on an instance placed on compute-a. */
const deleteConductor = (host: string | null = 'compute-a'): ConductorFakes => ({
  beginOperation: async () => ({
    host,
    node: host && `${host}.node`,
    vmState: 'active',
    powerState: PowerState.RUNNING,
  }),
  completeDelete: async () => undefined,
  failOperation: async () => undefined,
});

function startDelete(instanceUuid?: string, preemptedTaskId?: string) {
  const op = newOperation('delete', instanceUuid);
  const input = {
    operation: 'delete' as const,
    instanceUuid: op.instanceUuid,
    requestId: op.requestId,
    preemptedTaskId,
  };
  return { ...op, started: testbed.start<typeof deleteWorkflow>('deleteWorkflow', op.workflowId, input) };
}

describe('delete', () => {
  it('destroys the guest on its host, then completes the delete', async () => {
    await testbed.run(
      { conductor: deleteConductor(), hosts: { 'compute-a': healthyHost() } },
      async (journal) => {
        const del = startDelete();
        const handle = await del.started;
        expect(await handle.result()).toBe('done');
        expect(journal.names()).toEqual([
          'conductor.beginOperation',
          'compute-a.destroy',
          'conductor.completeDelete',
        ]);
        expect(journal.inputsOf('compute-a.destroy')).toEqual([del.instanceUuid]);
        expect(journal.inputsOf('conductor.completeDelete')).toEqual([
          expect.objectContaining({
            instanceUuid: del.instanceUuid,
            taskId: del.workflowId,
            hostUnreachable: false,
          }),
        ]);
        await recordHistory('delete', handle);
      },
    );
  });

  it('completes at once when the instance was never placed on a host', async () => {
    await testbed.run({ conductor: deleteConductor(null) }, async (journal) => {
      const handle = await startDelete().started;
      expect(await handle.result()).toBe('done');
      expect(journal.names()).toEqual(['conductor.beginOperation', 'conductor.completeDelete']);
      expect(journal.inputsOf('conductor.completeDelete')[0].hostUnreachable).toBe(false);
    });
  });

  it("fails with Nova's fault when the host cannot destroy the guest, and completes nothing", async () => {
    const hosts = {
      'compute-a': healthyHost({
        destroy: async () => {
          throw virtDriverError('libvirt: domain is locked');
        },
      }),
    };
    await testbed.run({ conductor: deleteConductor(), hosts }, async (journal) => {
      const handle = await startDelete().started;
      expect(await handle.result()).toBe('failed');
      expect(journal.names()).toEqual([
        'conductor.beginOperation',
        'compute-a.destroy',
        'conductor.failOperation',
      ]);
      expect(journal.inputsOf('conductor.failOperation')[0].fault).toEqual({
        code: 500,
        message: 'Failed to terminate the instance on its host.',
        details: 'compute-a: libvirt: domain is locked',
      });
      await recordHistory('delete-terminate-failed', handle);
    });
  });

  it('preempting a boot: cancels it and waits for its compensation before deleting', async () => {
    const conductor: ConductorFakes = {
      ...bootConductor(),
      ...deleteConductor(),
      // The real activity: it waits on the Temporal server for the boot to close.
      ...createWorkflowControlActivities(testbed.client),
    };
    const hosts = {
      'compute-a': healthyHost({
        spawn: async () => {
          const context = Context.current();
          for (;;) {
            context.heartbeat();
            await context.sleep(50);
          }
        },
      }),
    };
    await testbed.run({ conductor, hosts }, async (journal) => {
      const boot = newOperation('create');
      const bootHandle = await testbed.start<typeof bootWorkflow>('bootWorkflow', boot.workflowId, {
        operation: 'create',
        instanceUuid: boot.instanceUuid,
        requestId: boot.requestId,
      });
      await journal.started('compute-a.build');
      const del = startDelete(boot.instanceUuid, boot.workflowId);
      const handle = await del.started;
      expect(await handle.result()).toBe('done');
      expect((await bootHandle.describe()).status.name).toBe('CANCELLED');

      const names = journal.names();
      const deleteBegins = names.indexOf('conductor.beginOperation');
      expect(names.indexOf('conductor.awaitWorkflowClosed')).toBeLessThan(deleteBegins);
      expect(names.indexOf('conductor.releaseBuildResources')).toBeLessThan(deleteBegins);
      expect(names.slice(deleteBegins)).toEqual([
        'conductor.beginOperation',
        'compute-a.destroy',
        'conductor.completeDelete',
      ]);
      expect(journal.inputsOf('conductor.awaitWorkflowClosed')).toEqual([boot.workflowId]);
      // The boot's undo destroyed its half-built guest; the delete destroys again (idempotent).
      expect(journal.inputsOf('compute-a.destroy')).toEqual([boot.instanceUuid, boot.instanceUuid]);
      expect(journal.inputsOf('conductor.releaseBuildResources')).toEqual([
        expect.objectContaining({ taskId: boot.workflowId }),
      ]);
      expect(journal.inputsOf('conductor.failOperation')).toEqual([]);
      await recordHistory('delete-preempting-boot', handle);
      await recordHistory('boot-preempted-by-delete', bootHandle);
    });
  });
});
