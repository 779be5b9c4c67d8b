import { randomUUID } from 'node:crypto';
import type { EvacuateInput } from '../../workflows/evacuate';
import { NO_VALID_HOST } from '../../common/compute/failures';
import { TaskState, VmState } from '../../common/compute/instance-states';
import { MigrationStatus } from '../../common/compute/migrations';
import { PowerState } from '../../common/power-state';
import { PORT, specFor, virtDriverError } from './support/boot-fleet';
import { evacuateConductor, HOST_B, HOST_C, movingHost } from './support/move-fleet';
import { newOperation, recordHistory, Testbed } from './support/testbed';

let testbed: Testbed;
beforeAll(async () => {
  testbed = await Testbed.create();
});
afterAll(() => testbed?.teardown());

type EvacuateWorkflow = (input: EvacuateInput) => Promise<string>;

function startEvacuate(extra: Partial<EvacuateInput> = {}) {
  const op = newOperation('evacuate');
  const input: EvacuateInput = {
    operation: 'evacuate',
    instanceUuid: op.instanceUuid,
    requestId: op.requestId,
    migrationUuid: randomUUID(),
    query: { ignoreHosts: ['compute-a'] },
    ...extra,
  };
  return { ...op, input, started: testbed.start<EvacuateWorkflow>('evacuateWorkflow', op.workflowId, input) };
}

const REBUILD_ON = (host: string) => [
  'conductor.hostCapabilities',
  'conductor.placeEvacuee',
  `${host}.prepareBlockDevices`,
  'conductor.setTaskState',
  `${host}.spawn`,
];

// compute-a, the source, is down: no worker polls its queue.
const hosts = (b = movingHost(), c = movingHost()) => ({ 'compute-b': b, 'compute-c': c });

describe('evacuate', () => {
  it('rebuilds an ACTIVE server on the scheduled host and finishes there', async () => {
    await testbed.run({ conductor: evacuateConductor(), hosts: hosts() }, async (journal) => {
      const evacuation = startEvacuate();
      const handle = await evacuation.started;
      expect(await handle.result()).toBe('done');
      expect(journal.names()).toEqual([
        'conductor.beginMove',
        'conductor.scheduleMove',
        ...REBUILD_ON('compute-b'),
        'conductor.finishEvacuation',
      ]);
      const { instanceUuid, workflowId, input } = evacuation;
      const spec = specFor(instanceUuid, 'compute-b', [PORT]);
      expect(journal.inputsOf('conductor.scheduleMove')).toEqual([
        expect.objectContaining({ query: input.query, migrationUuid: input.migrationUuid }),
      ]);
      expect(journal.inputsOf('conductor.hostCapabilities')).toEqual([
        expect.objectContaining({ host: 'compute-b' }),
      ]);
      expect(journal.inputsOf('conductor.placeEvacuee')).toEqual([
        expect.objectContaining({ destination: HOST_B, taskState: TaskState.REBUILD_BLOCK_DEVICE_MAPPING }),
      ]);
      expect(journal.inputsOf('compute-b.prepareBlockDevices')).toEqual([spec]);
      expect(journal.inputsOf('conductor.setTaskState')).toEqual([
        expect.objectContaining({ taskState: TaskState.REBUILD_SPAWNING, taskId: workflowId }),
      ]);
      expect(journal.inputsOf('compute-b.spawn')).toEqual([spec]);
      expect(journal.inputsOf('conductor.finishEvacuation')).toEqual([
        expect.objectContaining({
          instanceUuid,
          migrationUuid: input.migrationUuid,
          powerState: PowerState.RUNNING,
          rootDeviceName: '/dev/vda',
        }),
      ]);
      expect(journal.names()).not.toContain('compute-b.powerOff');
      expect(new Set(journal.conductorSteps()).size).toBe(journal.conductorSteps().length);
      await recordHistory('evacuate', handle);
    });
  });

  it('powers a server that was STOPPED off again once rebuilt', async () => {
    await testbed.run({ conductor: evacuateConductor(VmState.STOPPED), hosts: hosts() }, async (journal) => {
      const evacuation = startEvacuate();
      const handle = await evacuation.started;
      expect(await handle.result()).toBe('done');
      expect(journal.names()).toEqual([
        'conductor.beginMove',
        'conductor.scheduleMove',
        ...REBUILD_ON('compute-b'),
        'compute-b.powerOff',
        'conductor.finishEvacuation',
      ]);
      expect(journal.inputsOf('compute-b.powerOff')).toEqual([{ instanceUuid: evacuation.instanceUuid }]);
      expect(journal.inputsOf('conductor.finishEvacuation')).toEqual([
        expect.objectContaining({ powerState: PowerState.SHUTDOWN, rootDeviceName: '/dev/vda' }),
      ]);
      await recordHistory('evacuate-stopped', handle);
    });
  });

  it("fails with Nova's InstanceEvacuateNotSupported when the destination's driver cannot evacuate", async () => {
    const conductor = evacuateConductor(VmState.ACTIVE, {
      hostCapabilities: async () => ({ supportsEvacuate: false }),
    });
    await testbed.run({ conductor, hosts: hosts() }, async (journal) => {
      const handle = await startEvacuate().started;
      expect(await handle.result()).toBe('failed');
      const names = journal.names();
      expect(names.slice(0, 3)).toEqual([
        'conductor.beginMove',
        'conductor.scheduleMove',
        'conductor.hostCapabilities',
      ]);
      expect(names).toEqual([
        'conductor.beginMove',
        'conductor.scheduleMove',
        'conductor.hostCapabilities',
        // The attempt's clean-up stays an undo (nothing was built there: harmless), then the claims go back.
        'compute-b.destroy',
        'conductor.revertMove',
        'conductor.failOperation',
      ]);
      // Nothing built, and no alternate: the refusal is the operation's, not the host's.
      for (const name of ['conductor.placeEvacuee', 'compute-b.spawn', 'conductor.claimMoveAlternate'])
        expect(names).not.toContain(name);
      expect(journal.inputsOf('conductor.failOperation')[0].fault).toEqual({
        code: 400,
        message: 'Instance evacuate is not supported.',
      });
      expect(journal.inputsOf('conductor.revertMove')).toEqual([
        expect.objectContaining({ status: MigrationStatus.FAILED }),
      ]);
      await recordHistory('evacuate-not-supported', handle);
    });
  });

  it('when the spawn fails on the first host, cleans up, gives its claim back, and rebuilds on the alternate', async () => {
    const b = movingHost({
      spawn: async () => {
        throw virtDriverError('no room on the hypervisor');
      },
    });
    await testbed.run({ conductor: evacuateConductor(), hosts: hosts(b) }, async (journal) => {
      const evacuation = startEvacuate();
      const handle = await evacuation.started;
      expect(await handle.result()).toBe('done');
      expect(journal.names()).toEqual([
        'conductor.beginMove',
        'conductor.scheduleMove',
        ...REBUILD_ON('compute-b'),
        'compute-b.destroy',
        'conductor.abandonMoveHost',
        'conductor.claimMoveAlternate',
        ...REBUILD_ON('compute-c'),
        'conductor.finishEvacuation',
      ]);
      expect(journal.inputsOf('compute-b.destroy')).toEqual([evacuation.instanceUuid]);
      expect(journal.inputsOf('conductor.abandonMoveHost')).toEqual([
        expect.objectContaining({ destination: HOST_B }),
      ]);
      expect(journal.inputsOf('conductor.claimMoveAlternate')).toEqual([
        expect.objectContaining({ destination: HOST_C, query: evacuation.input.query }),
      ]);
      expect(journal.inputsOf('conductor.placeEvacuee').map((input) => input.destination)).toEqual([
        HOST_B,
        HOST_C,
      ]);
      expect(journal.inputsOf('compute-c.spawn')).toEqual([
        specFor(evacuation.instanceUuid, 'compute-c', [PORT]),
      ]);
      expect(journal.names()).not.toContain('conductor.revertMove');
      expect(new Set(journal.conductorSteps()).size).toBe(journal.conductorSteps().length);
      await recordHistory('evacuate-reschedule', handle);
    });
  });

  it('fails with NoValidHost, naming each host, when every host fails the rebuild', async () => {
    const failing = (why: string) =>
      movingHost({
        spawn: async () => {
          throw virtDriverError(why);
        },
      });
    await testbed.run(
      { conductor: evacuateConductor(), hosts: hosts(failing('disk full'), failing('image unreadable')) },
      async (journal) => {
        const handle = await startEvacuate().started;
        expect(await handle.result()).toBe('failed');
        expect(journal.names().slice(-5)).toEqual([
          'compute-c.spawn',
          'compute-c.destroy',
          'conductor.abandonMoveHost',
          'conductor.revertMove',
          'conductor.failOperation',
        ]);
        expect(journal.inputsOf('conductor.failOperation')[0].fault).toEqual({
          code: 500,
          message: NO_VALID_HOST,
          details: 'compute-b: disk full\ncompute-c: image unreadable',
        });
        expect(journal.inputsOf('conductor.revertMove')).toEqual([
          expect.objectContaining({ status: MigrationStatus.FAILED }),
        ]);
        await recordHistory('evacuate-hosts-exhausted', handle);
      },
    );
  });

  it('fails with NoValidHost when scheduling finds no host', async () => {
    const conductor = evacuateConductor(VmState.ACTIVE, {
      scheduleMove: async () => ({ destinations: [], reason: 'RamFilter returned 0 hosts' }),
    });
    await testbed.run({ conductor }, async (journal) => {
      const handle = await startEvacuate().started;
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
      expect(journal.inputsOf('conductor.failOperation')[0].fault).toEqual({
        code: 500,
        message: NO_VALID_HOST,
        details: 'RamFilter returned 0 hosts',
      });
      await recordHistory('evacuate-no-valid-host', handle);
    });
  });
});
