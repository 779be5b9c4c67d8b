import {
  CancellationScope,
  condition,
  defineSignal,
  isCancellation,
  log,
  patched,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type { LiveMigrationProgress } from '../apps/worker-compute/virt/driver';
import type { PlacementQuery } from '../activities/conductor/scheduler/destinations';
import { NO_VALID_HOST } from '../common/compute/failures';
import { VmState } from '../common/compute/instance-states';
import { MigrationStatus } from '../common/compute/migrations';
import { type MoveDecision, MOVE_SIGNALS } from '../common/compute/move-signals';
import { conductor } from './conductor-activities';
import { destroyQuietly, guestsOnHost } from './engine/guest-on-host';
import { type OperationInput, OperationRun } from './engine/operation-run';
import { operationFailed, type OperationOutcome, runOperation } from './engine/run-operation';
import { tryHosts } from './engine/try-hosts';
import { describeFailure } from './failures';
import { hostActivities } from './host-activities';

export type LiveMigrateInput = OperationInput & {
  operation: 'live_migrate';
  migrationUuid: string;
  query: PlacementQuery;
  /** [DEFAULT] max_concurrent_live_migrations of the source; 0 is unlimited. */
  maxConcurrent: number;
};

export const forceCompleteSignal = defineSignal<[MoveDecision]>(MOVE_SIGNALS.forceComplete);
export const liveMigrationProgressSignal = defineSignal<[LiveMigrationProgress]>(
  MOVE_SIGNALS.liveMigrationProgress,
);

/** Nova's fault when the checks on both hosts refused (MigrationPreCheckError). */
const preCheckError = (reason: string) => `Migration pre-check error: ${reason}`;

/** How long a queued live migration waits before it asks again for a slot: doubling up to 4 s. */
const slotBackoff = (attempt: number) => Math.min(4_000, 500 * 2 ** Math.min(attempt, 3));

/**
 * Live migration (Nova's LiveMigrationTask and the compute manager's live_migration): the
 * destination is scheduled (or the admin's host checked or forced) and claimed while the
 * migration holds the source's claim; both hosts check they can; the migration waits for one of
 * the source's slots; the destination prepares; the source copies the running guest, its
 * progress landing in the migration; then the destination runs it and the source cleans up.
 *
 * Abort (DELETE /servers/{id}/migrations/{mid}) cancels this workflow: the copy stops, the
 * destination's shell and claim go, and the server stays where it was, ACTIVE or PAUSED. A
 * failure does the same and records a fault, unless the copy failed with the guest already gone
 * from the source and on the destination: then the move finishes there, since rolling it back
 * would destroy the only copy. Force-complete is a signal the source acts on.
 */
export async function liveMigrateWorkflow(input: LiveMigrateInput): Promise<OperationOutcome> {
  const { instanceUuid, migrationUuid } = input;
  let forceRequested = false;
  let progress: LiveMigrationProgress | undefined;
  setHandler(forceCompleteSignal, () => void (forceRequested = true));
  setHandler(liveMigrationProgressSignal, (latest) => void (progress = latest));

  const run = new OperationRun(input);
  const moveStep = (name: string) => ({ ...run.step(name), migrationUuid });
  let aborted = false;

  const steps = async () => {
    const start = await conductor.beginMove(moveStep('beginMove'));
    const source = start.sourceHost;
    const putBack = run.onUndo('put the instance back on its source', () =>
      conductor.revertMove({
        ...moveStep('revertMove'),
        status: aborted ? MigrationStatus.CANCELLED : MigrationStatus.ERROR,
      }),
    );
    const schedule = await conductor.scheduleMove({ ...moveStep('scheduleMove'), query: input.query });
    if (schedule.destinations.length === 0)
      throw operationFailed({ code: 400, message: NO_VALID_HOST, details: schedule.reason });

    const checked = await tryHosts(run, schedule.destinations, {
      claim: (destination) =>
        conductor.claimMoveAlternate({ ...moveStep('claimMoveAlternate'), destination, query: input.query }),
      attempt: async (destination) => {
        const can = await conductor.hostCapabilities({
          ...moveStep('hostCapabilities'),
          host: destination.host,
        });
        if (!can.supportsLiveMigration)
          throw operationFailed({
            code: 400,
            message: preCheckError(`the driver of ${destination.host} cannot live-migrate`),
          });
        const spec = await conductor.destinationSpec({
          ...moveStep('destinationSpec'),
          destHost: destination.host,
          bindPorts: false,
        });
        await hostActivities(destination.host).checkCanLiveMigrateDestination({ spec, sourceHost: source });
        await hostActivities(source).checkCanLiveMigrateSource({ instanceUuid, destHost: destination.host });
        return spec;
      },
      cleanUp: async () => undefined,
      abandon: (destination) => conductor.abandonMoveHost({ ...moveStep('abandonMoveHost'), destination }),
    });
    if (!('value' in checked))
      throw operationFailed({ code: 400, message: preCheckError(checked.failures.join('; ')) });
    const { destination, value: spec } = checked;
    const dest = destination.host;

    for (let attempt = 0; ; attempt++) {
      const slot = await conductor.acquireLiveMigrationSlot({
        ...moveStep('acquireLiveMigrationSlot'),
        host: source,
        maxConcurrent: input.maxConcurrent,
      });
      if (slot) break;
      await sleep(slotBackoff(attempt));
    }

    const shell = run.onUndo('destroy the shell on the destination', () =>
      destroyQuietly(dest, instanceUuid),
    );
    await hostActivities(dest).preLiveMigration(spec);
    await conductor.advanceMove({
      ...moveStep('advanceMove'),
      status: MigrationStatus.RUNNING,
      event: 'compute_live_migration',
      eventHost: source,
    });
    await copyGuest(source, dest);

    // The guest runs on the destination now: nothing may undo that, not even an abort.
    shell.drop();
    putBack.drop();
    await CancellationScope.nonCancellable(async () => {
      const { powerState } = await hostActivities(dest).postLiveMigrationAtDestination({
        instanceUuid,
        paused: start.vmState === VmState.PAUSED,
      });
      await conductor.finishLiveMigration({
        ...moveStep('finishLiveMigration'),
        destination,
        vmState: start.vmState,
        powerState,
      });
      await destroyQuietly(source, instanceUuid);
    });
  };

  /**
   * The source's copy, with progress recorded and a force-complete passed on while it runs. An
   * abort cancels the copy activity; the loop itself is not cancellable, so the rollback waits
   * until the source has stopped the copy (the activity confirms its cancellation).
   */
  const copyGuest = async (source: string, dest: string) => {
    // A short heartbeat timeout: the worker hears of a cancellation (an abort) only in a
    // heartbeat's answer, and throttles heartbeats to 80 % of that timeout.
    const copyHost = hostActivities(source, {
      startToCloseTimeout: '6 hours',
      heartbeatTimeout: '4 seconds',
      retry: { maximumAttempts: 3 },
    });
    let finished = false;
    let forceSent = forceRequested;
    let recorded: LiveMigrationProgress | undefined;
    const copy = copyHost
      .liveMigrate({ instanceUuid, destHost: dest, forceComplete: forceRequested })
      .finally(() => void (finished = true));
    // Its outcome is awaited below; this keeps its rejection from counting as unhandled meanwhile.
    copy.catch(() => undefined);
    await CancellationScope.nonCancellable(async () => {
      while (!finished) {
        await condition(() => finished || (forceRequested && !forceSent) || progress !== recorded);
        if (forceRequested && !forceSent && !finished) {
          forceSent = true;
          await hostActivities(source)
            .liveMigrationForceComplete(instanceUuid)
            .catch((error) =>
              log.warn('force-complete not taken', { instanceUuid, error: describeFailure(error) }),
            );
        }
        if (progress !== recorded && !finished) {
          recorded = progress;
          await conductor
            .recordLiveMigrationProgress({ ...moveStep('recordLiveMigrationProgress'), progress: recorded! })
            .catch((error) => log.warn('progress not recorded', { instanceUuid, error: String(error) }));
        }
      }
    });
    try {
      await copy;
    } catch (error) {
      // Runs before this patch rolled every failed copy back, destroying the destination's copy
      // even when the guest had left the source: a last attempt that lost track of a copy the
      // hypervisor finished, or one that could not reach the destination to confirm it.
      if (isCancellation(error) || !patched('live-migrate-arrived-guest')) throw error;
      if (!(await arrived(source, dest))) throw error;
      log.warn('the copy failed, but the guest has left the source and is on the destination', {
        instanceUuid,
        error: describeFailure(error),
      });
    }
  };

  /**
   * Whether a guest whose copy failed is on the destination and no longer on the source (the
   * source drops its guest only once the copy is done). A host that does not answer soon is not
   * known to have (or lack) it: the copy is then rolled back, as before.
   */
  const arrived = async (source: string, dest: string): Promise<boolean> => {
    try {
      return !(instanceUuid in (await guestsOnHost(source))) && instanceUuid in (await guestsOnHost(dest));
    } catch {
      return false;
    }
  };

  try {
    return await runOperation(
      input,
      async () => {
        try {
          await steps();
        } catch (error) {
          aborted = isCancellation(error);
          throw error;
        }
      },
      { run },
    );
  } catch (error) {
    if (isCancellation(error)) {
      await CancellationScope.nonCancellable(() =>
        conductor.releaseAbortedMove(moveStep('releaseAbortedMove')),
      );
    }
    throw error;
  }
}
