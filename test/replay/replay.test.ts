import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Worker } from '@temporalio/worker';
import { OPERATIONS } from '../../common/compute/instance-states';
import { bundleWorkflows, installQuietRuntime } from '../workflows/support/environment';
import { HISTORIES_DIR } from '../workflows/support/testbed';
import { historyFromJSON } from './history-json';

/**
 * Replays every recorded history (test/replay/histories/*.json, written by `npm run
 * record:histories`) against today's workflow code: a change that would make a running workflow
 * take another path on replay fails here, and must go behind `patched()`.
 */
const histories = readdirSync(HISTORIES_DIR)
  .filter((file) => file.endsWith('.json'))
  .map((file) => ({
    workflowId: basename(file, '.json'),
    history: historyFromJSON(JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8'))),
  }));

const workflowTypeOf = (history: ReturnType<typeof historyFromJSON>): string | null | undefined =>
  history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name;

describe('recorded histories', () => {
  it('cover every operation workflow and every workflow beside them', () => {
    const recorded = new Set(histories.map(({ history }) => workflowTypeOf(history)));
    const workflows = Object.values(OPERATIONS).flatMap((operation) =>
      'workflow' in operation ? [operation.workflow] : [],
    );
    const others = [
      'reclaimWorkflow',
      'hostWorkflow',
      'hostReportsWorkflow',
      'consoleOutputWorkflow',
      'reconcileWorkflow',
      'powerSyncWorkflow',
      'drainHostWorkflow',
      'evacuateHostWorkflow',
      'hostMaintenanceWorkflow',
      'serverEventsWorkflow',
    ];
    for (const workflow of [...workflows, ...others]) expect(recorded).toContain(workflow);
  });

  it("replay against today's workflow code without nondeterminism", async () => {
    installQuietRuntime();
    const failures: string[] = [];
    let replayed = 0;
    const replay = Worker.runReplayHistories({ workflowBundle: await bundleWorkflows() }, histories);
    for await (const { workflowId, error } of replay) {
      replayed++;
      if (error) failures.push(`${workflowId}: ${error.message}`);
    }
    expect(failures).toEqual([]);
    expect(replayed).toBe(histories.length);
  });
});
