import {
  CancellationScope,
  condition,
  defineSignal,
  isCancellation,
  log,
  setHandler,
  sleep,
  uuid4,
} from '@temporalio/workflow';
import type { MoveStart } from '../activities/conductor/moves/move-steps';
import type { ResizeDecision } from '../activities/conductor/moves/resize-steps';
import type { Destination, PlacementQuery } from '../activities/conductor/scheduler/destinations';
import { NO_VALID_HOST } from '../common/compute/failures';
import { TaskState, VmState } from '../common/compute/instance-states';
import { MigrationStatus } from '../common/compute/migrations';
import { type MoveDecision, MOVE_SIGNALS } from '../common/compute/move-signals';
import { conductor } from './conductor-activities';
import { destroyQuietly } from './engine/guest-on-host';
import { type OperationInput, OperationRun } from './engine/operation-run';
import { operationFailed, type OperationOutcome, runOperation } from './engine/run-operation';
import { isPreempted } from './failures';
import { hostActivities } from './host-activities';

export type ResizeInput = OperationInput & {
  operation: 'resize' | 'migrate';
  migrationUuid: string;
  /** Where the scheduler may look: not the source unless allow_resize_to_same_host; a migrate's target host. */
  query: PlacementQuery;
  /** [DEFAULT] resize_confirm_window: seconds in VERIFY_RESIZE before the workflow confirms itself; 0 never. */
  confirmWindowSeconds: number;
};

export const confirmResizeSignal = defineSignal<[MoveDecision]>(MOVE_SIGNALS.confirmResize);
export const revertResizeSignal = defineSignal<[MoveDecision]>(MOVE_SIGNALS.revertResize);

/** Nova's fault when a move's destination would be its own host and the driver cannot (UnableToMigrateToSelf). */
const unableToMigrateToSelf = (uuid: string, host: string) =>
  `Unable to migrate instance (${uuid}) to current host (${host}).`;

/**
 * Resize and cold migration (Nova's migrate_server, prep_resize, resize_instance, finish_resize):
 * the destination is scheduled and claimed while the migration holds the source's claim; the
 * source powers the guest off and hands its disks over; the destination starts it with the new
 * flavor; the server waits in VERIFY_RESIZE. The workflow then waits for the API's confirm or
 * revert, or confirms itself after the confirm window, and does that too.
 *
 * A failure before the source acts leaves the server as it was; from the source's phase on,
 * ERROR, as Nova. Either way the destination's copy and claim go and the source's claim comes
 * back to the instance. A delete preempts by cancelling: the same undo, or, while the server
 * waits resized, the source's copy and claim go and the delete takes the rest.
 */
export async function resizeWorkflow(input: ResizeInput): Promise<OperationOutcome> {
  const { instanceUuid, migrationUuid } = input;
  // The signals only wake the wait: what it ends in is read from the database, which the API wrote first.
  const wake = { signalled: false };
  setHandler(confirmResizeSignal, () => void (wake.signalled = true));
  setHandler(revertResizeSignal, () => void (wake.signalled = true));

  const run = new OperationRun(input);
  const moveStep = (active: OperationRun, name: string) => ({ ...active.step(name), migrationUuid });
  let start: MoveStart | undefined;
  let destination: Destination | undefined;
  let pastSource = false;

  const moved = await runOperation(
    input,
    async () => {
      start = await conductor.beginMove(moveStep(run, 'beginMove'));
      const source = start.sourceHost;
      run.onUndo('put the instance back on its source', () =>
        conductor.revertMove({ ...moveStep(run, 'revertMove'), status: MigrationStatus.ERROR }),
      );
      const schedule = await conductor.scheduleMove({ ...moveStep(run, 'scheduleMove'), query: input.query });
      destination = schedule.destinations[0];
      if (!destination)
        throw operationFailed({ code: 500, message: NO_VALID_HOST, details: schedule.reason });
      const dest = destination.host;
      const sameHost = dest === source;
      if (sameHost) {
        const can = await conductor.hostCapabilities({ ...moveStep(run, 'hostCapabilities'), host: dest });
        if (!can.supportsMigrateToSameHost)
          throw operationFailed({ code: 400, message: unableToMigrateToSelf(instanceUuid, dest) });
      }

      await conductor.advanceMove({
        ...moveStep(run, 'advanceMove'),
        status: MigrationStatus.MIGRATING,
        taskState: TaskState.RESIZE_MIGRATING,
        event: 'compute_resize_instance',
        eventHost: source,
      });
      pastSource = true;
      if (!sameHost)
        run.onUndo('destroy the copy on the destination', () => destroyQuietly(dest, instanceUuid));
      await hostActivities(source).migrateDiskAndPowerOff({ instanceUuid, destHost: dest });
      await conductor.finishMoveEvent({
        ...moveStep(run, 'finishMoveEvent'),
        event: 'compute_resize_instance',
      });
      await conductor.advanceMove({
        ...moveStep(run, 'advanceMove'),
        status: MigrationStatus.POST_MIGRATING,
        taskState: TaskState.RESIZE_MIGRATED,
      });
      await conductor.advanceMove({
        ...moveStep(run, 'advanceMove'),
        status: MigrationStatus.POST_MIGRATING,
        taskState: TaskState.RESIZE_FINISH,
        event: 'compute_finish_resize',
        eventHost: dest,
      });
      const spec = await conductor.destinationSpec({ ...moveStep(run, 'destinationSpec'), destHost: dest });
      const { powerState } = await hostActivities(dest).finishMigration({
        spec,
        powerOn: start.vmState === VmState.ACTIVE,
      });
      await conductor.finishResize({ ...moveStep(run, 'finishResize'), destination, powerState });
    },
    { run, failsToError: () => pastSource },
  );
  if (moved !== 'done' || !start || !destination) return moved;
  return settleResize(input, run, start, destination, wake);
}

/** The wait in VERIFY_RESIZE, then the confirm or revert it ends in. */
async function settleResize(
  input: ResizeInput,
  moveRun: OperationRun,
  start: MoveStart,
  destination: Destination,
  wake: { signalled: boolean },
): Promise<OperationOutcome> {
  const { instanceUuid, migrationUuid } = input;
  const source = start.sourceHost;
  const dest = destination.host;
  const stepOf = (active: OperationRun, name: string) => ({ ...active.step(name), migrationUuid });

  /** The source's copy and claim go: a delete took the resized server (it takes the rest), or a reset did. */
  const releaseSource = () =>
    CancellationScope.nonCancellable(async () => {
      if (source !== dest) await destroyQuietly(source, instanceUuid);
      else
        await hostActivities(source)
          .confirmMigration(instanceUuid)
          .catch(() => undefined);
      await conductor.releaseResizeSource(stepOf(moveRun, 'releaseResizeSource'));
    });

  let decision: ResizeDecision | null = null;
  let failures = 0;
  try {
    while (!decision) {
      const window = input.confirmWindowSeconds;
      // Without a window the wait ends only by a signal (condition() then resolves to undefined).
      const signalled =
        window > 0
          ? await condition(() => wake.signalled, `${window} seconds`)
          : (await condition(() => wake.signalled), true);
      wake.signalled = false;
      try {
        decision = await conductor.decideResize({
          ...stepOf(moveRun, 'decideResize'),
          autoRequestId: signalled ? undefined : `req-${uuid4()}`,
        });
        failures = 0;
      } catch (error) {
        if (isCancellation(error) || isPreempted(error)) throw error;
        // The server may wait in VERIFY_RESIZE as long as it takes: the decision is in the
        // database, so a step that gave up (the database away) is asked again, later.
        log.warn('could not read the resize decision; asking again', { instanceUuid, error: String(error) });
        await sleep(Math.min(60_000, 1000 * 2 ** failures++));
        wake.signalled = true;
      }
    }
  } catch (error) {
    if (isCancellation(error)) {
      await releaseSource();
      throw error;
    }
    if (!isPreempted(error)) throw error;
    await releaseSource();
    return 'preempted';
  }

  const operation = decision.decision === 'confirm' ? 'confirm_resize' : 'revert_resize';
  const phase: OperationInput = { ...input, operation, requestId: decision.requestId };
  const run = new OperationRun(phase, moveRun);
  return runOperation(
    phase,
    async () => {
      run.onUndo('mark the migration failed', () =>
        conductor.advanceMove({ ...stepOf(run, 'advanceMove'), status: MigrationStatus.ERROR }),
      );
      if (operation === 'confirm_resize') {
        await conductor.beginConfirm(stepOf(run, 'beginConfirm'));
        await hostActivities(source).confirmMigration(instanceUuid);
        await conductor.finishConfirm(stepOf(run, 'finishConfirm'));
        return;
      }
      await conductor.beginRevert(stepOf(run, 'beginRevert'));
      if (source !== dest) await hostActivities(dest).destroy(instanceUuid);
      const spec = await conductor.revertToSource(stepOf(run, 'revertToSource'));
      const { powerState } = await hostActivities(source).finishRevertMigration({
        spec,
        powerOn: start.vmState === VmState.ACTIVE,
      });
      await conductor.finishRevert({ ...stepOf(run, 'finishRevert'), vmState: start.vmState, powerState });
    },
    { run },
  );
}
