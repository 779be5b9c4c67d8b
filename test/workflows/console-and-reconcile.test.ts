import type { ConsoleOutputInput } from '../../workflows/console-output';
import { recordHistory, Testbed } from './support/testbed';

let testbed: Testbed;
beforeAll(async () => {
  testbed = await Testbed.create();
});
afterAll(() => testbed?.teardown());

/** The two workflows that take no task: the console read and one reconciler pass. */
describe('workflows without a task', () => {
  it('reads the console log on the instance host, with the length asked for', async () => {
    const hosts = { 'compute-a': { getConsoleOutput: async () => ({ output: 'login:' }) } };
    await testbed.run({ conductor: {}, hosts }, async (journal) => {
      const input: ConsoleOutputInput = { instanceUuid: 'i-1', host: 'compute-a', length: 5 };
      const handle = await testbed.start('consoleOutputWorkflow', `console-i-1-${Date.now()}`, input);
      expect(await handle.result()).toEqual({ output: 'login:' });
      expect(journal.names()).toEqual(['compute-a.getConsoleOutput']);
      expect(journal.inputsOf('compute-a.getConsoleOutput')).toEqual([{ instanceUuid: 'i-1', length: 5 }]);
      await recordHistory('console-output', handle);
    });
  });

  it('runs one reconciler pass', async () => {
    const conductor = {
      reconcile: async () => ({
        started: ['create-x'],
        signalled: [],
        rolledBack: [],
        purgedSteps: 0,
        powerSyncHosts: [],
      }),
    };
    await testbed.run({ conductor }, async (journal) => {
      const handle = await testbed.start('reconcileWorkflow', `reconcile-${Date.now()}`);
      await handle.result();
      expect(journal.names()).toEqual(['conductor.reconcile']);
      await recordHistory('reconcile', handle);
    });
  });
});
