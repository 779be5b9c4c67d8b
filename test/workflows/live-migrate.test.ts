import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import type { LiveMigrationProgress } from '../../apps/worker-compute/virt/driver';
import type { LiveMigrateInput } from '../../workflows/live-migrate';
import { NO_VALID_HOST } from '../../common/compute/failures';
import { VmState } from '../../common/compute/instance-states';
import { MigrationStatus } from '../../common/compute/migrations';
import { MOVE_SIGNALS } from '../../common/compute/move-signals';
import { PowerState } from '../../common/power-state';
import { PORT, specFor, virtDriverError } from './support/boot-fleet';
import {
  gate,
  HOST_B,
  HOST_C,
  heartbeatingUntil,
  liveMigrationConductor,
  movingHost,
} from './support/move-fleet';
import { newOperation, recordHistory, Testbed } from './support/testbed';
import { until } from './support/until';

let testbed: Testbed;
beforeAll(async () => {
  testbed = await Testbed.create();
});
afterAll(() => testbed?.teardown());

type LiveMigrateWorkflow = (input: LiveMigrateInput) => Promise<string>;

function startLiveMigration(extra: Partial<LiveMigrateInput> = {}) {
  const op = newOperation('live_migrate');
  const input: LiveMigrateInput = {
    operation: 'live_migrate',
    instanceUuid: op.instanceUuid,
    requestId: op.requestId,
    migrationUuid: randomUUID(),
    query: { ignoreHosts: ['compute-a'] },
    maxConcurrent: 1,
    ...extra,
  };
  return {
    ...op,
    input,
    started: testbed.start<LiveMigrateWorkflow>('liveMigrateWorkflow', op.workflowId, input),
  };
}

const progress = (processed: number): LiveMigrationProgress => ({
  memoryTotal: 1000,
  memoryProcessed: processed,
  memoryRemaining: 1000 - processed,
  diskTotal: 0,
  diskProcessed: 0,
  diskRemaining: 0,
});

const CHECKS_ON_B = [
  'conductor.hostCapabilities',
  'conductor.destinationSpec',
  'compute-b.checkCanLiveMigrateDestination',
  'compute-a.checkCanLiveMigrateSource',
];

const hosts = (source = movingHost(), b = movingHost(), c = movingHost()) => ({
  'compute-a': source,
  'compute-b': b,
  'compute-c': c,
});

describe('live migration', () => {
  it('checks both hosts, takes a slot, prepares the destination, copies, and finishes there', async () => {
    await testbed.run({ conductor: liveMigrationConductor(), hosts: hosts() }, async (journal) => {
      const migration = startLiveMigration();
      const handle = await migration.started;
      expect(await handle.result()).toBe('done');
      expect(journal.names()).toEqual([
        'conductor.beginMove',
        'conductor.scheduleMove',
        ...CHECKS_ON_B,
        'conductor.acquireLiveMigrationSlot',
        'compute-b.preLiveMigration',
        'conductor.advanceMove',
        'compute-a.liveMigrate',
        'compute-b.postLiveMigrationAtDestination',
        'conductor.finishLiveMigration',
        'compute-a.destroy',
      ]);
      const { instanceUuid, input } = migration;
      const spec = specFor(instanceUuid, 'compute-b', [PORT]);
      expect(journal.inputsOf('conductor.hostCapabilities')).toEqual([
        expect.objectContaining({ host: 'compute-b' }),
      ]);
      // The ports are bound to the destination only once the guest runs there.
      expect(journal.inputsOf('conductor.destinationSpec')).toEqual([
        expect.objectContaining({ destHost: 'compute-b', bindPorts: false }),
      ]);
      expect(journal.inputsOf('compute-b.checkCanLiveMigrateDestination')).toEqual([
        { spec, sourceHost: 'compute-a' },
      ]);
      expect(journal.inputsOf('compute-a.checkCanLiveMigrateSource')).toEqual([
        { instanceUuid, destHost: 'compute-b' },
      ]);
      expect(journal.inputsOf('conductor.acquireLiveMigrationSlot')).toEqual([
        expect.objectContaining({ host: 'compute-a', maxConcurrent: 1, migrationUuid: input.migrationUuid }),
      ]);
      expect(journal.inputsOf('compute-b.preLiveMigration')).toEqual([spec]);
      expect(journal.inputsOf('conductor.advanceMove')).toEqual([
        expect.objectContaining({
          status: MigrationStatus.RUNNING,
          event: 'compute_live_migration',
          eventHost: 'compute-a',
        }),
      ]);
      expect(journal.inputsOf('compute-a.liveMigrate')).toEqual([
        { instanceUuid, destHost: 'compute-b', forceComplete: false },
      ]);
      expect(journal.inputsOf('compute-b.postLiveMigrationAtDestination')).toEqual([
        { instanceUuid, paused: false },
      ]);
      expect(journal.inputsOf('conductor.finishLiveMigration')).toEqual([
        expect.objectContaining({
          destination: HOST_B,
          vmState: VmState.ACTIVE,
          powerState: PowerState.RUNNING,
        }),
      ]);
      expect(journal.inputsOf('compute-a.destroy')).toEqual([instanceUuid]);
      expect(journal.names()).not.toContain('conductor.revertMove');
      expect(new Set(journal.conductorSteps()).size).toBe(journal.conductorSteps().length);
      await recordHistory('live-migrate', handle);
    });
  });

  it('a PAUSED server stays paused on the destination', async () => {
    await testbed.run(
      { conductor: liveMigrationConductor(VmState.PAUSED), hosts: hosts() },
      async (journal) => {
        const handle = await startLiveMigration().started;
        expect(await handle.result()).toBe('done');
        expect(journal.inputsOf('compute-b.postLiveMigrationAtDestination')).toEqual([
          expect.objectContaining({ paused: true }),
        ]);
        expect(journal.inputsOf('conductor.finishLiveMigration')).toEqual([
          expect.objectContaining({ vmState: VmState.PAUSED, powerState: PowerState.PAUSED }),
        ]);
      },
    );
  });

  it('records the progress the source reports, and passes a force-complete on to the source', async () => {
    const copyDone = gate();
    const source = movingHost({ liveMigrate: heartbeatingUntil(copyDone.promise) });
    await testbed.run({ conductor: liveMigrationConductor(), hosts: hosts(source) }, async (journal) => {
      const migration = startLiveMigration();
      const handle = await migration.started;
      await journal.started('compute-a.liveMigrate');
      const recorded = () => journal.inputsOf('conductor.recordLiveMigrationProgress');

      await handle.signal(MOVE_SIGNALS.liveMigrationProgress, progress(250));
      await until(() => recorded().length === 1, 'the first progress recorded');
      await handle.signal(MOVE_SIGNALS.liveMigrationProgress, progress(600));
      await until(() => recorded().length === 2, 'the second progress recorded');
      await handle.signal(MOVE_SIGNALS.forceComplete, { requestId: `req-${randomUUID()}` });
      await journal.started('compute-a.liveMigrationForceComplete');
      copyDone.resolve();
      expect(await handle.result()).toBe('done');

      expect(recorded()).toEqual([
        expect.objectContaining({ migrationUuid: migration.input.migrationUuid, progress: progress(250) }),
        expect.objectContaining({ progress: progress(600) }),
      ]);
      expect(journal.inputsOf('compute-a.liveMigrationForceComplete')).toEqual([migration.instanceUuid]);
      expect(journal.names().slice(-7)).toEqual([
        'compute-a.liveMigrate',
        'conductor.recordLiveMigrationProgress',
        'conductor.recordLiveMigrationProgress',
        'compute-a.liveMigrationForceComplete',
        'compute-b.postLiveMigrationAtDestination',
        'conductor.finishLiveMigration',
        'compute-a.destroy',
      ]);
      expect(new Set(journal.conductorSteps()).size).toBe(journal.conductorSteps().length);
      await recordHistory('live-migrate-progress-force-complete', handle);
    });
  });

  it('a force-complete asked before the copy starts goes with the copy, not as a separate call', async () => {
    const checks = gate();
    const conductor = liveMigrationConductor(VmState.ACTIVE, {
      acquireLiveMigrationSlot: async () => {
        await checks.promise;
        return true;
      },
    });
    await testbed.run({ conductor, hosts: hosts() }, async (journal) => {
      const handle = await startLiveMigration().started;
      await journal.started('conductor.acquireLiveMigrationSlot');
      await handle.signal(MOVE_SIGNALS.forceComplete, { requestId: `req-${randomUUID()}` });
      checks.resolve();
      expect(await handle.result()).toBe('done');
      expect(journal.inputsOf('compute-a.liveMigrate')).toEqual([
        expect.objectContaining({ forceComplete: true }),
      ]);
      expect(journal.names()).not.toContain('compute-a.liveMigrationForceComplete');
    });
  });

  it("waits for one of the source's slots: none free, it sleeps and asks again", async () => {
    let asked = 0;
    const conductor = liveMigrationConductor(VmState.ACTIVE, {
      acquireLiveMigrationSlot: async () => ++asked > 2,
    });
    await testbed.run({ conductor, hosts: hosts() }, async (journal) => {
      const handle = await startLiveMigration().started;
      expect(await handle.result()).toBe('done');
      const asks = journal.calls.filter((call) => call.activity === 'acquireLiveMigrationSlot');
      expect(asks).toHaveLength(3);
      // Backoff: 500 ms, then 1 s (a durable timer each).
      expect(asks[1].at - asks[0].at).toBeGreaterThanOrEqual(450);
      expect(asks[2].at - asks[1].at).toBeGreaterThanOrEqual(950);
      expect(new Set(asks.map((call) => call.input.step)).size).toBe(3);
      const names = journal.names();
      expect(names.lastIndexOf('conductor.acquireLiveMigrationSlot')).toBeLessThan(
        names.indexOf('compute-b.preLiveMigration'),
      );
      await recordHistory('live-migrate-queued', handle);
    });
  });

  it('aborted (cancelled) during the copy: the destination shell goes, the server stays on the source', async () => {
    const copyDone = gate();
    // The copy takes 1.5 s to stop once told; the rollback waits for it.
    const source = movingHost({ liveMigrate: heartbeatingUntil(copyDone.promise, 1500) });
    await testbed.run({ conductor: liveMigrationConductor(), hosts: hosts(source) }, async (journal) => {
      const migration = startLiveMigration();
      const handle = await migration.started;
      await journal.started('compute-a.liveMigrate');
      await handle.cancel();
      const error = await handle.result().catch((failure) => failure);
      expect(error).toBeInstanceOf(WorkflowFailedError);
      expect((await handle.describe()).status.name).toBe('CANCELLED');
      expect(journal.names().slice(-4)).toEqual([
        'compute-a.liveMigrate',
        'compute-b.destroy',
        'conductor.revertMove',
        'conductor.releaseAbortedMove',
      ]);
      expect(journal.inputsOf('compute-b.destroy')).toEqual([migration.instanceUuid]);
      expect(journal.inputsOf('conductor.revertMove')).toEqual([
        expect.objectContaining({ status: MigrationStatus.CANCELLED }),
      ]);
      expect(journal.inputsOf('conductor.releaseAbortedMove')).toEqual([
        expect.objectContaining({
          migrationUuid: migration.input.migrationUuid,
          taskId: migration.workflowId,
        }),
      ]);
      expect(journal.names()).not.toContain('conductor.failOperation');
      expect(journal.names()).not.toContain('conductor.finishLiveMigration');
      expect(new Set(journal.conductorSteps()).size).toBe(journal.conductorSteps().length);
      await recordHistory('live-migrate-aborted', handle);
    });
  });

  it('aborted: the destination shell is destroyed only once the source has stopped the copy', async () => {
    const copyDone = gate();
    const stopped: { at?: number } = {};
    // The driver takes 1.5 s to stop the copy once told.
    const source = movingHost({ liveMigrate: heartbeatingUntil(copyDone.promise, 1500, stopped) });
    await testbed.run({ conductor: liveMigrationConductor(), hosts: hosts(source) }, async (journal) => {
      const handle = await startLiveMigration().started;
      await journal.started('compute-a.liveMigrate');
      await handle.cancel();
      await handle.result().catch(() => undefined);
      const closedAt = Date.now();
      await until(() => stopped.at !== undefined, 'the copy stopped');
      // The workflow must not close before the copy it started has stopped.
      expect(closedAt).toBeGreaterThanOrEqual(stopped.at!);
      const [destroyed] = journal.calls.filter(
        (call) => call.where === 'compute-b' && call.activity === 'destroy',
      );
      const [reverted] = journal.calls.filter((call) => call.activity === 'revertMove');
      expect(destroyed.at).toBeGreaterThanOrEqual(stopped.at!);
      expect(reverted.at).toBeGreaterThanOrEqual(stopped.at!);
    });
  });

  it('aborted: a copy that stops while the undos run does not wedge the workflow', async () => {
    const copyDone = gate();
    const source = movingHost({ liveMigrate: heartbeatingUntil(copyDone.promise, 0) });
    const conductor = liveMigrationConductor(VmState.ACTIVE, {
      revertMove: () => new Promise((resolve) => setTimeout(resolve, 1000)),
    });
    await testbed.run({ conductor, hosts: hosts(source) }, async (journal) => {
      const handle = await startLiveMigration().started;
      await journal.started('compute-a.liveMigrate');
      await handle.cancel();
      const closed = await Promise.race([
        handle.result().then(
          () => 'completed',
          () => 'closed',
        ),
        new Promise((resolve) => setTimeout(() => resolve('still open after 20 s'), 20_000)),
      ]);
      const status = (await handle.describe()).status.name;
      if (status === 'RUNNING') await handle.terminate('wedged');
      expect(closed).toBe('closed');
      expect(status).toBe('CANCELLED');
      expect(journal.names()).toContain('conductor.releaseAbortedMove');
    });
  });

  it('when the copy fails, the destination shell goes, the instance is put back, and the fault recorded', async () => {
    let instanceUuid = '';
    const source = movingHost({
      liveMigrate: async () => {
        throw virtDriverError('migration stalled: dirty pages outpace the link', false);
      },
      // The guest is still here: the copy did not take it away.
      guestPowerStates: async () => ({ [instanceUuid]: PowerState.RUNNING }),
    });
    await testbed.run({ conductor: liveMigrationConductor(), hosts: hosts(source) }, async (journal) => {
      const migration = startLiveMigration();
      instanceUuid = migration.instanceUuid;
      const handle = await migration.started;
      expect(await handle.result()).toBe('failed');
      expect(journal.names().slice(-6)).toEqual([
        'conductor.advanceMove',
        'compute-a.liveMigrate',
        'compute-a.guestPowerStates',
        'compute-b.destroy',
        'conductor.revertMove',
        'conductor.failOperation',
      ]);
      expect(journal.inputsOf('conductor.revertMove')).toEqual([
        expect.objectContaining({ status: MigrationStatus.ERROR }),
      ]);
      const [failed] = journal.inputsOf('conductor.failOperation');
      expect(failed.fault).toEqual({
        code: 500,
        message: 'liveMigrate failed: migration stalled: dirty pages outpace the link',
      });
      expect(failed.toError).toBeFalsy();
      expect(journal.names()).not.toContain('conductor.releaseAbortedMove');
      expect(journal.names()).not.toContain('compute-a.destroy');
      await recordHistory('live-migrate-failed', handle);
    });
  });

  it('when the copy fails after the guest left the source for the destination, the move finishes there', async () => {
    // The source's last attempt lost track of a copy the hypervisor finished: rolling back would
    // destroy the destination's copy, the only one.
    let instanceUuid = '';
    const source = movingHost({
      liveMigrate: async () => {
        throw virtDriverError(`Instance ${instanceUuid} could not be found.`, false);
      },
      guestPowerStates: async () => ({}),
    });
    const destination = movingHost({
      guestPowerStates: async () => ({ [instanceUuid]: PowerState.RUNNING }),
    });
    await testbed.run(
      { conductor: liveMigrationConductor(), hosts: hosts(source, destination) },
      async (journal) => {
        const migration = startLiveMigration();
        instanceUuid = migration.instanceUuid;
        const handle = await migration.started;
        expect(await handle.result()).toBe('done');
        expect(journal.names().slice(-6)).toEqual([
          'compute-a.liveMigrate',
          'compute-a.guestPowerStates',
          'compute-b.guestPowerStates',
          'compute-b.postLiveMigrationAtDestination',
          'conductor.finishLiveMigration',
          'compute-a.destroy',
        ]);
        expect(journal.inputsOf('conductor.finishLiveMigration')).toEqual([
          expect.objectContaining({ destination: HOST_B, powerState: PowerState.RUNNING }),
        ]);
        expect(journal.names()).not.toContain('compute-b.destroy');
        expect(journal.names()).not.toContain('conductor.revertMove');
        await recordHistory('live-migrate-copy-failed-guest-arrived', handle);
      },
    );
  });

  it("tries the alternate when the first destination's check refuses, giving the refused claim back", async () => {
    const b = movingHost({
      checkCanLiveMigrateDestination: async () => {
        throw virtDriverError('CPU of compute-b is not compatible');
      },
    });
    await testbed.run(
      { conductor: liveMigrationConductor(), hosts: hosts(movingHost(), b) },
      async (journal) => {
        const migration = startLiveMigration();
        const handle = await migration.started;
        expect(await handle.result()).toBe('done');
        expect(journal.names()).toEqual([
          'conductor.beginMove',
          'conductor.scheduleMove',
          'conductor.hostCapabilities',
          'conductor.destinationSpec',
          'compute-b.checkCanLiveMigrateDestination',
          'conductor.abandonMoveHost',
          'conductor.claimMoveAlternate',
          'conductor.hostCapabilities',
          'conductor.destinationSpec',
          'compute-c.checkCanLiveMigrateDestination',
          'compute-a.checkCanLiveMigrateSource',
          'conductor.acquireLiveMigrationSlot',
          'compute-c.preLiveMigration',
          'conductor.advanceMove',
          'compute-a.liveMigrate',
          'compute-c.postLiveMigrationAtDestination',
          'conductor.finishLiveMigration',
          'compute-a.destroy',
        ]);
        expect(journal.inputsOf('conductor.abandonMoveHost')).toEqual([
          expect.objectContaining({ destination: HOST_B }),
        ]);
        expect(journal.inputsOf('conductor.claimMoveAlternate')).toEqual([
          expect.objectContaining({ destination: HOST_C, query: migration.input.query }),
        ]);
        expect(journal.inputsOf('compute-a.liveMigrate')).toEqual([
          expect.objectContaining({ destHost: 'compute-c' }),
        ]);
        expect(journal.inputsOf('conductor.finishLiveMigration')).toEqual([
          expect.objectContaining({ destination: HOST_C }),
        ]);
        expect(new Set(journal.conductorSteps()).size).toBe(journal.conductorSteps().length);
        await recordHistory('live-migrate-alternate', handle);
      },
    );
  });

  it("fails with Nova's pre-check error when every destination refuses", async () => {
    const refusing = (why: string) =>
      movingHost({
        checkCanLiveMigrateDestination: async () => {
          throw virtDriverError(why);
        },
      });
    const fleet = {
      conductor: liveMigrationConductor(),
      hosts: hosts(movingHost(), refusing('CPU incompatible'), refusing('no shared storage')),
    };
    await testbed.run(fleet, async (journal) => {
      const handle = await startLiveMigration().started;
      expect(await handle.result()).toBe('failed');
      expect(journal.names().slice(-4)).toEqual([
        'compute-c.checkCanLiveMigrateDestination',
        'conductor.abandonMoveHost',
        'conductor.revertMove',
        'conductor.failOperation',
      ]);
      expect(journal.inputsOf('conductor.failOperation')[0].fault).toEqual({
        code: 400,
        message: 'Migration pre-check error: compute-b: CPU incompatible; compute-c: no shared storage',
      });
      expect(journal.names()).not.toContain('conductor.acquireLiveMigrationSlot');
    });
  });

  it('fails with NoValidHost when nothing fits', async () => {
    const conductor = liveMigrationConductor(VmState.ACTIVE, {
      scheduleMove: async () => ({ destinations: [], reason: 'no compute host' }),
    });
    await testbed.run({ conductor }, async (journal) => {
      const handle = await startLiveMigration().started;
      expect(await handle.result()).toBe('failed');
      expect(journal.names()).toEqual([
        'conductor.beginMove',
        'conductor.scheduleMove',
        'conductor.revertMove',
        'conductor.failOperation',
      ]);
      expect(journal.inputsOf('conductor.failOperation')[0].fault).toEqual({
        code: 400,
        message: NO_VALID_HOST,
        details: 'no compute host',
      });
    });
  });
});
