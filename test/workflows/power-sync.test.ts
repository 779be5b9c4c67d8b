import { randomUUID } from 'node:crypto';
import type { PowerMismatch } from '../../activities/conductor/power-sync';
import type { PowerSyncResult } from '../../workflows/power-sync';
import { recordHistory, Testbed } from './support/testbed';

let testbed: Testbed;
beforeAll(async () => {
  testbed = await Testbed.create();
});
afterAll(() => testbed?.teardown());

describe('power-state sync workflow', () => {
  it("hands the host's power states to the conductor and stops each mismatch it names, once", async () => {
    const [shutDown, taken] = [randomUUID(), randomUUID()];
    const guests = { [shutDown]: 4, [taken]: 4, [randomUUID()]: 1 };
    const mismatch = (instanceUuid: string): PowerMismatch => ({
      instanceUuid,
      vmState: 'active',
      powerState: 4,
      reason: 'Instance shutdown by itself. Calling the stop API.',
    });
    const conductor = {
      syncPowerStates: async () => [mismatch(shutDown), mismatch(taken)],
      // Another task took the second instance between the comparison and the stop.
      stopMismatched: async ({ mismatch: { instanceUuid } }: { mismatch: PowerMismatch }) =>
        instanceUuid === shutDown,
    };
    const hosts = { 'sync-a': { guestPowerStates: async () => guests } };
    await testbed.run({ conductor, hosts }, async (journal) => {
      const handle = await testbed.start('powerSyncWorkflow', `power-sync-sync-a-${Date.now()}`, {
        host: 'sync-a',
      });
      const result: PowerSyncResult = await handle.result();

      expect(result).toEqual({ stopped: [shutDown], skipped: [taken] });
      expect(journal.names()).toEqual([
        'sync-a.guestPowerStates',
        'conductor.syncPowerStates',
        'conductor.stopMismatched',
        'conductor.stopMismatched',
      ]);
      expect(journal.inputsOf('conductor.syncPowerStates')).toEqual([{ host: 'sync-a', guests }]);
      const stops = journal.inputsOf('conductor.stopMismatched');
      expect(stops.map((stop) => stop.mismatch.instanceUuid)).toEqual([shutDown, taken]);
      // Each stop is its own request: its instance action.
      expect(new Set(stops.map((stop) => stop.requestId)).size).toBe(2);
      await recordHistory('power-sync', handle);
    });
  });
});
