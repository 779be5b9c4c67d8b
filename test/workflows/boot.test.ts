import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import type { bootWorkflow } from '../../workflows/boot';
import {
  FailureType,
  NO_VALID_HOST,
  networkAllocationFailed,
  retriesExceeded,
} from '../../common/compute/failures';
import { PowerState } from '../../common/power-state';
import { CONDUCTOR_TASK_QUEUE } from '../../common/task-queues';
import {
  bootConductor,
  healthyHost,
  HOST_A,
  HOST_B,
  PORT,
  specFor,
  taskPreempted,
  virtDriverError,
} from './support/boot-fleet';
import { newOperation, recordHistory, Testbed } from './support/testbed';

let testbed: Testbed;
beforeAll(async () => {
  testbed = await Testbed.create();
});
afterAll(() => testbed?.teardown());

async function startBoot() {
  const op = newOperation('create');
  const handle = await testbed.client.workflow.start<typeof bootWorkflow>('bootWorkflow', {
    taskQueue: CONDUCTOR_TASK_QUEUE,
    workflowId: op.workflowId,
    args: [{ operation: 'create', instanceUuid: op.instanceUuid, requestId: op.requestId }],
  });
  return { ...op, handle };
}

/** The ledger keys of the conductor steps: each must be unique, or a step gets another's recorded result. */
const failing = (message: string) => async () => {
  throw virtDriverError(message);
};

describe('boot', () => {
  it('schedules, prepares the build (ports, placement) and builds on the chosen host, then finishes it', async () => {
    await testbed.run(
      { conductor: bootConductor(), hosts: { 'compute-a': healthyHost() } },
      async (journal) => {
        const { handle, instanceUuid, workflowId } = await startBoot();
        expect(await handle.result()).toBe('done');
        // Three conductor steps and one host step.
        expect(journal.names()).toEqual([
          'conductor.scheduleInstance',
          'conductor.prepareBuild',
          'compute-a.build',
          'conductor.finishBuild',
        ]);
        const spec = specFor(instanceUuid, 'compute-a', [PORT]);
        expect(journal.inputsOf('conductor.prepareBuild')).toEqual([
          expect.objectContaining({ destination: HOST_A }),
        ]);
        expect(journal.inputsOf('compute-a.build')).toEqual([spec]);
        expect(journal.inputsOf('conductor.finishBuild')).toEqual([
          expect.objectContaining({
            instanceUuid,
            taskId: workflowId,
            operation: 'create',
            powerState: PowerState.RUNNING,
            rootDeviceName: '/dev/vda',
          }),
        ]);
        expect(new Set(journal.conductorSteps()).size).toBe(journal.conductorSteps().length);
        await recordHistory('boot', handle);
      },
    );
  });

  it('reschedules to the alternate when the host fails the spawn: cleans up and gives back the claim first', async () => {
    const hosts = {
      'compute-a': healthyHost({ spawn: failing('no room on the hypervisor') }),
      'compute-b': healthyHost({
        spawn: async () => ({ powerState: PowerState.RUNNING, rootDeviceName: '/dev/sda' }),
      }),
    };
    await testbed.run({ conductor: bootConductor(), hosts }, async (journal) => {
      const { handle, instanceUuid } = await startBoot();
      expect(await handle.result()).toBe('done');
      expect(journal.names()).toEqual([
        'conductor.scheduleInstance',
        'conductor.prepareBuild',
        'compute-a.build',
        'compute-a.destroy',
        'conductor.abandonHost',
        'conductor.claimAlternate',
        'conductor.prepareBuild',
        'compute-b.build',
        'conductor.finishBuild',
      ]);
      expect(journal.inputsOf('compute-a.destroy')).toEqual([instanceUuid]);
      expect(journal.inputsOf('conductor.abandonHost')).toEqual([
        expect.objectContaining({ destination: HOST_A, error: 'compute-a: no room on the hypervisor' }),
      ]);
      expect(journal.inputsOf('conductor.claimAlternate')).toEqual([
        expect.objectContaining({ destination: HOST_B }),
      ]);
      expect(journal.inputsOf('compute-b.build')).toEqual([specFor(instanceUuid, 'compute-b', [PORT])]);
      expect(journal.inputsOf('conductor.finishBuild')).toEqual([
        expect.objectContaining({ rootDeviceName: '/dev/sda', powerState: PowerState.RUNNING }),
      ]);
      expect(new Set(journal.conductorSteps()).size).toBe(journal.conductorSteps().length);
      await recordHistory('boot-reschedule', handle);
    });
  });

  it('fails with NoValidHost when scheduling finds no host, releasing what the build claimed', async () => {
    const conductor = bootConductor({
      scheduleInstance: async () => ({ destinations: [], reason: 'RamFilter returned 0 hosts' }),
    });
    await testbed.run({ conductor }, async (journal) => {
      const { handle } = await startBoot();
      expect(await handle.result()).toBe('failed');
      expect(journal.names()).toEqual([
        'conductor.scheduleInstance',
        'conductor.releaseBuildResources',
        'conductor.failOperation',
      ]);
      expect(journal.inputsOf('conductor.failOperation')[0].fault).toEqual({
        code: 500,
        message: NO_VALID_HOST,
        details: 'RamFilter returned 0 hosts',
      });
      await recordHistory('boot-no-valid-host', handle);
    });
  });

  it('fails with MaxRetriesExceeded when every host fails, after cleaning up and abandoning each', async () => {
    const hosts = {
      'compute-a': healthyHost({ spawn: failing('disk full') }),
      'compute-b': healthyHost({ prepareBlockDevices: failing('image unreadable') }),
    };
    await testbed.run({ conductor: bootConductor(), hosts }, async (journal) => {
      const { handle, instanceUuid } = await startBoot();
      expect(await handle.result()).toBe('failed');
      expect(journal.names().slice(-7)).toEqual([
        'conductor.claimAlternate',
        'conductor.prepareBuild',
        'compute-b.build',
        'compute-b.destroy',
        'conductor.abandonHost',
        'conductor.releaseBuildResources',
        'conductor.failOperation',
      ]);
      expect(journal.inputsOf('compute-a.destroy')).toEqual([instanceUuid]);
      expect(journal.inputsOf('conductor.abandonHost').map((input) => input.destination)).toEqual([
        HOST_A,
        HOST_B,
      ]);
      expect(journal.inputsOf('conductor.failOperation')[0].fault).toEqual({
        code: 500,
        message: retriesExceeded(instanceUuid),
        details: 'compute-a: disk full\ncompute-b: image unreadable',
      });
    });
  });

  it('tries no alternate when the driver says another host would fail too', async () => {
    const hosts = {
      'compute-a': healthyHost({
        spawn: async () => {
          throw virtDriverError('image format unsupported', false);
        },
      }),
    };
    await testbed.run({ conductor: bootConductor(), hosts }, async (journal) => {
      const { handle, instanceUuid } = await startBoot();
      expect(await handle.result()).toBe('failed');
      expect(journal.names()).not.toContain('conductor.claimAlternate');
      expect(journal.inputsOf('conductor.failOperation')[0].fault).toMatchObject({
        message: retriesExceeded(instanceUuid),
        details: 'compute-a: image format unsupported',
      });
    });
  });

  it('skips an alternate that no longer fits', async () => {
    const conductor = bootConductor({ claimAlternate: async () => false });
    const hosts = { 'compute-a': healthyHost({ spawn: failing('disk full') }) };
    await testbed.run({ conductor, hosts }, async (journal) => {
      const { handle } = await startBoot();
      expect(await handle.result()).toBe('failed');
      expect(journal.names().slice(-4)).toEqual([
        'conductor.abandonHost',
        'conductor.claimAlternate',
        'conductor.releaseBuildResources',
        'conductor.failOperation',
      ]);
      expect(journal.inputsOf('conductor.failOperation')[0].fault.details).toBe('compute-a: disk full');
    });
  });

  it('fails without rescheduling when the network refuses the ports', async () => {
    const conductor = bootConductor({
      prepareBuild: async () => {
        throw ApplicationFailure.create({
          type: FailureType.NETWORK_ALLOCATION_FAILED,
          message: 'No more IP addresses available on network net-1.',
          nonRetryable: true,
        });
      },
    });
    await testbed.run({ conductor, hosts: { 'compute-a': healthyHost() } }, async (journal) => {
      const { handle, instanceUuid } = await startBoot();
      expect(await handle.result()).toBe('failed');
      // The host had nothing yet (the step's transaction rolled back); the undo asks it all the same.
      expect(journal.names()).toEqual([
        'conductor.scheduleInstance',
        'conductor.prepareBuild',
        'compute-a.destroy',
        'conductor.releaseBuildResources',
        'conductor.failOperation',
      ]);
      expect(journal.inputsOf('conductor.failOperation')[0].fault).toEqual({
        code: 500,
        message: networkAllocationFailed(instanceUuid),
        details: 'No more IP addresses available on network net-1.',
      });
    });
  });

  it('when preempted (a delete took the task), undoes the build and leaves the instance to the delete', async () => {
    const conductor = bootConductor({
      finishBuild: async ({ taskId }) => {
        throw taskPreempted(taskId);
      },
    });
    await testbed.run({ conductor, hosts: { 'compute-a': healthyHost() } }, async (journal) => {
      const { handle, instanceUuid } = await startBoot();
      expect(await handle.result()).toBe('preempted');
      expect(journal.names().slice(-4)).toEqual([
        'compute-a.build',
        'conductor.finishBuild',
        'compute-a.destroy',
        'conductor.releaseBuildResources',
      ]);
      expect(journal.inputsOf('compute-a.destroy')).toEqual([instanceUuid]);
      expect(journal.names()).not.toContain('conductor.failOperation');
      await recordHistory('boot-preempted', handle);
    });
  });

  it('when cancelled mid-spawn, waits for the spawn to stop, then destroys the guest and releases the claims', async () => {
    const hosts = {
      'compute-a': healthyHost({
        // A spawn that takes long: it heartbeats, so the cancellation reaches it.
        spawn: async () => {
          const context = Context.current();
          for (;;) {
            context.heartbeat();
            await context.sleep(50);
          }
        },
      }),
    };
    await testbed.run({ conductor: bootConductor(), hosts }, async (journal) => {
      const { handle, instanceUuid } = await startBoot();
      await journal.started('compute-a.build');
      await handle.cancel();
      const error = await handle.result().catch((failure) => failure);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect((await handle.describe()).status.name).toBe('CANCELLED');
      expect(journal.names().slice(-3)).toEqual([
        'compute-a.build',
        'compute-a.destroy',
        'conductor.releaseBuildResources',
      ]);
      expect(journal.inputsOf('compute-a.destroy')).toEqual([instanceUuid]);
      expect(journal.names()).not.toContain('conductor.failOperation');
      await recordHistory('boot-cancelled', handle);
    });
  });
});
