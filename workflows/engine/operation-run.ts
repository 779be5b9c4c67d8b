import { ActivityFailure, CancellationScope, log, workflowInfo } from '@temporalio/workflow';
import type { Fault } from '../../activities/conductor/operations/operation-steps';
import type { StepInput } from '../../activities/conductor/operations/step-ledger';
import type { OperationName } from '../../common/compute/instance-states';
import { describeFailure } from '../failures';

/** What every operation workflow is started with. */
export interface OperationInput {
  operation: OperationName;
  instanceUuid: string;
  /** The API request that asked for it: its instance action. */
  requestId: string;
  /** The task this operation took the instance from (delete, hard reboot), to cancel first. */
  preemptedTaskId?: string;
}

interface Undo {
  name: string;
  run: () => Promise<unknown>;
  dropped: boolean;
}

/**
 * One run of an operation: names its conductor steps for the step ledger and keeps its saga,
 * the undo of each step that succeeded, run newest first when the operation fails or is
 * cancelled.
 */
export class OperationRun {
  readonly taskId = workflowInfo().workflowId;
  private sequence: number;
  private readonly undos: Undo[] = [];
  /** The last conductor step asked for, named in the fault when a step is exhausted. */
  lastStep = 'start';

  /** `after`: the run of an earlier phase of the same workflow (a resize's confirm), whose step keys this one follows. */
  constructor(
    readonly input: OperationInput,
    after?: OperationRun,
  ) {
    this.sequence = after?.sequence ?? 0;
  }

  get instanceUuid(): string {
    return this.input.instanceUuid;
  }

  /**
   * The input of the next conductor step. Its ledger key is its position in the run: workflow
   * code is deterministic, so a step replayed after a crash gets the same key and its recorded
   * result.
   */
  step(name: string): StepInput {
    this.lastStep = name;
    const { instanceUuid, requestId, operation } = this.input;
    return { instanceUuid, requestId, operation, taskId: this.taskId, step: `${++this.sequence}:${name}` };
  }

  /** Registers the undo of a step that succeeded; `drop` when it was undone already. */
  onUndo(name: string, run: () => Promise<unknown>): { drop(): void } {
    const undo: Undo = { name, run, dropped: false };
    this.undos.push(undo);
    return {
      drop: () => {
        undo.dropped = true;
      },
    };
  }

  /** Runs the undos newest first, even when the workflow is being cancelled; an undo that fails is logged. */
  async compensate(): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      for (const undo of this.undos.splice(0).reverse()) {
        if (undo.dropped) continue;
        try {
          await undo.run();
        } catch (error) {
          log.warn('an undo failed', {
            undo: undo.name,
            instanceUuid: this.instanceUuid,
            error: String(error),
          });
        }
      }
    });
  }

  /** The fault of a failure that is not an OperationFailed: which step gave up, and why. */
  faultOfExhaustedStep(error: unknown): Fault {
    const step = error instanceof ActivityFailure && error.activityType ? error.activityType : this.lastStep;
    return { code: 500, message: `${step} failed: ${describeFailure(error)}` };
  }
}
