import { type Client } from '@temporalio/client';
import { type DataSource, type EntityManager } from 'typeorm';
import { startQueuedWorkflow, type WorkflowLaunch } from '../../../common/compute/workflow-outbox';
import { type Logger } from '../../../common/logger';
import { type Instance } from '../../../entities';
import { ledgered, type StepInput } from './step-ledger';

/** Where a step's body hands the launches it queued in the outbox, to start once it committed. */
export type QueueLaunches = (launches: WorkflowLaunch[]) => void;

/**
 * A ledgered step whose body queues workflows in the outbox (the network-changed events of other
 * servers): they start after its transaction commits. A run that finds the ledger's result queued
 * nothing, and one that cannot start them (Temporal away, the process dying) leaves them queued:
 * the reconciler starts what the outbox holds, so the step does not fail for it.
 */
export function ledgeredLaunching<I extends StepInput, O>(
  deps: { dataSource: DataSource; temporal: Client; logger: Logger },
  body: (db: EntityManager, instance: Instance, input: I, queue: QueueLaunches) => Promise<O>,
  options?: { owned: boolean },
): (input: I) => Promise<O> {
  return async (input) => {
    const queued: WorkflowLaunch[] = [];
    const step = ledgered(
      deps.dataSource,
      (db, instance, stepInput: I) => body(db, instance, stepInput, (launches) => queued.push(...launches)),
      options,
    );
    const value = await step(input);
    await startLaunches(deps, queued);
    return value;
  };
}

/** Starts committed launches; one that fails to start stays in the outbox for the reconciler. */
export async function startLaunches(
  deps: { dataSource: DataSource; temporal: Client; logger: Logger },
  launches: WorkflowLaunch[],
): Promise<void> {
  for (const launch of launches) {
    try {
      await startQueuedWorkflow(deps.temporal, deps.dataSource.manager, launch);
    } catch (error) {
      deps.logger.warn(
        { err: error, workflowId: launch.workflowId },
        'could not start a queued workflow; the reconciler will',
      );
    }
  }
}
