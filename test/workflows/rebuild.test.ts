import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import type { RebuildInput } from '../../workflows/rebuild';
import { NO_VALID_HOST } from '../../common/compute/failures';
import { TaskState } from '../../common/compute/instance-states';
import { PowerState } from '../../common/power-state';
import { healthyHost, PORT, specFor, virtDriverError } from './support/boot-fleet';
import type { ConductorFakes, HostFakes } from './support/fakes';
import { newOperation, recordHistory, Testbed } from './support/testbed';

let testbed: Testbed;
beforeAll(async () => {
  testbed = await Testbed.create();
});
afterAll(() => testbed?.teardown());

const OLD_IMAGE = { id: 'cirros', properties: {} };

/** The conductor's rebuild steps on an instance living on compute-a in `vmState`. */
function rebuildConductor(vmState = 'active', overrides: ConductorFakes = {}): ConductorFakes {
  return {
    checkRebuildImage: async () => ({ passes: true }),
    beginOperation: async () => ({
      host: 'compute-a',
      node: 'compute-a.node',
      vmState,
      powerState: vmState === 'stopped' ? PowerState.SHUTDOWN : PowerState.RUNNING,
    }),
    rebuildGuestSpec: async ({ instanceUuid }) => specFor(instanceUuid, 'compute-a', [PORT]),
    setTaskState: async () => undefined,
    finishRebuild: async () => undefined,
    failOperation: async () => undefined,
    ...overrides,
  };
}

/** A host that rebuilds guests, and powers them off. */
const rebuildingHost = (overrides: HostFakes = {}): HostFakes =>
  healthyHost({ powerOff: async () => ({ powerState: PowerState.SHUTDOWN }), ...overrides });

function startRebuild(extra: Partial<RebuildInput> = {}) {
  const op = newOperation('rebuild');
  const input: RebuildInput = {
    operation: 'rebuild',
    instanceUuid: op.instanceUuid,
    requestId: op.requestId,
    origImage: OLD_IMAGE,
    ...extra,
  };
  return {
    ...op,
    started: testbed.start<(input: RebuildInput) => Promise<string>>('rebuildWorkflow', op.workflowId, input),
  };
}

describe('rebuild workflow', () => {
  it('checks the image, destroys the old guest, prepares and spawns the new one, and finishes ACTIVE', async () => {
    const hosts = { 'compute-a': rebuildingHost() };
    await testbed.run({ conductor: rebuildConductor(), hosts }, async (journal) => {
      const rebuild = startRebuild();
      const handle = await rebuild.started;
      expect(await handle.result()).toBe('done');
      expect(journal.names()).toEqual([
        'conductor.checkRebuildImage',
        'conductor.beginOperation',
        'compute-a.destroy',
        'conductor.rebuildGuestSpec',
        'compute-a.prepareBlockDevices',
        'conductor.setTaskState',
        'compute-a.spawn',
        'conductor.finishRebuild',
      ]);
      expect(journal.inputsOf('conductor.checkRebuildImage')).toEqual([
        expect.objectContaining({ taskId: rebuild.workflowId, origImage: OLD_IMAGE }),
      ]);
      expect(journal.inputsOf('compute-a.destroy')).toEqual([rebuild.instanceUuid]);
      expect(journal.inputsOf('compute-a.spawn')).toEqual([
        specFor(rebuild.instanceUuid, 'compute-a', [PORT]),
      ]);
      expect(journal.inputsOf('conductor.setTaskState')).toEqual([
        expect.objectContaining({ taskState: TaskState.REBUILD_SPAWNING }),
      ]);
      expect(journal.inputsOf('conductor.finishRebuild')).toEqual([
        expect.objectContaining({
          vmState: 'active',
          powerState: PowerState.RUNNING,
          rootDeviceName: '/dev/vda',
        }),
      ]);
      await recordHistory('rebuild', handle);
    });
  });

  it('powers a server that was stopped off again after the spawn: it stays SHUTOFF', async () => {
    const hosts = { 'compute-a': rebuildingHost() };
    await testbed.run({ conductor: rebuildConductor('stopped'), hosts }, async (journal) => {
      const rebuild = startRebuild();
      const handle = await rebuild.started;
      expect(await handle.result()).toBe('done');
      expect(journal.names().slice(-3)).toEqual([
        'compute-a.spawn',
        'compute-a.powerOff',
        'conductor.finishRebuild',
      ]);
      expect(journal.inputsOf('compute-a.powerOff')).toEqual([{ instanceUuid: rebuild.instanceUuid }]);
      expect(journal.inputsOf('conductor.finishRebuild')).toEqual([
        expect.objectContaining({ vmState: 'stopped', powerState: PowerState.SHUTDOWN }),
      ]);
      await recordHistory('rebuild-stopped', handle);
    });
  });

  it('fails with NoValidHost when the host refuses the new image, asking no host anything', async () => {
    const conductor = rebuildConductor('active', { checkRebuildImage: async () => ({ passes: false }) });
    await testbed.run({ conductor, hosts: { 'compute-a': rebuildingHost() } }, async (journal) => {
      const handle = await startRebuild().started;
      expect(await handle.result()).toBe('failed');
      expect(journal.names()).toEqual(['conductor.checkRebuildImage', 'conductor.failOperation']);
      expect(journal.inputsOf('conductor.failOperation')[0].fault).toEqual({
        code: 500,
        message: NO_VALID_HOST,
      });
      await recordHistory('rebuild-no-valid-host', handle);
    });
  });

  it("refuses preserve_ephemeral as Nova's default rebuild does, before touching the guest", async () => {
    await testbed.run(
      { conductor: rebuildConductor(), hosts: { 'compute-a': rebuildingHost() } },
      async (journal) => {
        const handle = await startRebuild({ preserveEphemeral: true }).started;
        expect(await handle.result()).toBe('failed');
        expect(journal.names()).toEqual([
          'conductor.checkRebuildImage',
          'conductor.beginOperation',
          'conductor.failOperation',
        ]);
        expect(journal.inputsOf('conductor.failOperation')[0].fault).toEqual({
          code: 400,
          message: 'The current driver does not support preserving ephemeral partitions.',
        });
      },
    );
  });

  it('fails the operation when the spawn fails, destroying what the host left', async () => {
    const hosts = {
      'compute-a': rebuildingHost({
        spawn: async () => {
          throw virtDriverError('the hypervisor refused the guest');
        },
      }),
    };
    await testbed.run({ conductor: rebuildConductor(), hosts }, async (journal) => {
      const rebuild = startRebuild();
      const handle = await rebuild.started;
      expect(await handle.result()).toBe('failed');
      expect(journal.names().slice(-3)).toEqual([
        'compute-a.spawn',
        'compute-a.destroy',
        'conductor.failOperation',
      ]);
      expect(journal.inputsOf('conductor.failOperation')[0].fault).toEqual({
        code: 500,
        message: 'spawn failed: the hypervisor refused the guest',
      });
      expect(journal.names()).not.toContain('conductor.finishRebuild');
      await recordHistory('rebuild-spawn-failed', handle);
    });
  });

  it('when cancelled mid-spawn (a delete), waits for the spawn to stop and destroys the half-built guest', async () => {
    const hosts = {
      'compute-a': rebuildingHost({
        spawn: async () => {
          const context = Context.current();
          for (;;) {
            context.heartbeat();
            await context.sleep(50);
          }
        },
      }),
    };
    await testbed.run({ conductor: rebuildConductor(), hosts }, async (journal) => {
      const rebuild = startRebuild();
      const handle = await rebuild.started;
      await journal.started('compute-a.spawn');
      await handle.cancel();
      const error = await handle.result().catch((failure) => failure);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect((await handle.describe()).status.name).toBe('CANCELLED');
      expect(journal.names().slice(-2)).toEqual(['compute-a.spawn', 'compute-a.destroy']);
      expect(journal.inputsOf('compute-a.destroy')).toEqual([rebuild.instanceUuid, rebuild.instanceUuid]);
      expect(journal.names()).not.toContain('conductor.failOperation');
      await recordHistory('rebuild-cancelled', handle);
    });
  });
});
