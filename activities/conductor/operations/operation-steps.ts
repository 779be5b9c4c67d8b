import { ApplicationFailure } from '@temporalio/activity';
import { type DataSource, type EntityManager } from 'typeorm';
import { FailureType } from '../../../common/compute/failures';
import { type Operation, OPERATIONS, type TaskState, VmState } from '../../../common/compute/instance-states';
import { type Instance, InstanceFault } from '../../../entities';
import { finishAction, finishEvent, startEvent } from '../instance-actions';
import { updateInstance } from '../instance-tasks';
import { ledgered, type StepInput } from './step-ledger';

/** Why an operation failed, as GET /servers/{id} shows it in `fault`. */
export interface Fault {
  code: number;
  message: string;
  details?: string;
}

/** What a workflow needs to know of the instance it operates on. */
export interface InstanceSnapshot {
  host: string | null;
  node: string | null;
  vmState: string;
  powerState: number;
}

const operationOf = (input: StepInput): Operation => OPERATIONS[input.operation];

/** A step asked for something its operation does not declare: a bug, which no retry mends. */
function refuse(message: string): never {
  throw ApplicationFailure.create({ type: FailureType.STEP_REFUSED, message, nonRetryable: true });
}

/** Writes the fault and finishes the operation's event, if it has one, as failed. */
export async function recordFailure(
  db: EntityManager,
  instance: Instance,
  input: StepInput,
  fault: Fault,
): Promise<void> {
  await db.getRepository(InstanceFault).insert({
    instanceUuid: instance.uuid,
    code: fault.code,
    message: fault.message,
    details: fault.details ?? null,
    host: instance.host,
  });
  const { event } = operationOf(input);
  if (event) {
    await finishEvent(db, instance.uuid, input.requestId, event, {
      result: 'Error',
      traceback: fault.details ?? fault.message,
    });
  }
}

/**
 * The conductor side of the operation engine: it moves an instance through its operation's
 * task states as OPERATIONS declares them, records the action's events, writes the fault and
 * ends the task. Every step is ledgered (idempotent) and checks that its task owns the instance.
 */
export function createOperationSteps(dataSource: DataSource) {
  return {
    /** Starts the operation's host event; returns where the instance is and how it is. */
    beginOperation: ledgered(
      dataSource,
      async (db, instance, input: StepInput): Promise<InstanceSnapshot> => {
        const { event } = operationOf(input);
        if (event) await startEvent(db, instance.uuid, input.requestId, event, instance.host);
        return {
          host: instance.host,
          node: instance.node,
          vmState: instance.vmState,
          powerState: instance.powerState,
        };
      },
    ),

    /** Moves to the next of the operation's declared task states. */
    setTaskState: ledgered(dataSource, async (db, instance, input: StepInput & { taskState: TaskState }) => {
      const declared: readonly string[] = operationOf(input).taskStates;
      if (!declared.includes(input.taskState))
        refuse(`${input.operation} does not walk through task_state ${input.taskState}`);
      await updateInstance(db, instance.uuid, { taskState: input.taskState });
    }),

    /** The operation succeeded: its vm_state (or the one given), no task, the power state the host saw. */
    completeOperation: ledgered(
      dataSource,
      async (db, instance, input: StepInput & { powerState?: number; vmState?: VmState }) => {
        const operation = operationOf(input);
        await updateInstance(db, instance.uuid, {
          vmState: input.vmState ?? operation.toVmState,
          taskState: null,
          taskId: null,
          ...(input.powerState !== undefined && { powerState: input.powerState }),
        });
        if (operation.event)
          await finishEvent(db, instance.uuid, input.requestId, operation.event, { result: 'Success' });
        await finishAction(db, instance.uuid, input.requestId);
      },
    ),

    /**
     * The operation failed for good: a fault, and the state Nova's table allows — ERROR, or the
     * vm_state it started from with the task state reverted (Nova's reverts_task_state), or
     * ERROR when the workflow says the failure came too late to revert (`toError`).
     */
    failOperation: ledgered(
      dataSource,
      async (db, instance, input: StepInput & { fault: Fault; toError?: boolean }) => {
        const operation = operationOf(input);
        await recordFailure(db, instance, input, input.fault);
        await updateInstance(db, instance.uuid, {
          taskState: null,
          taskId: null,
          // A move that failed once its guest had left the source is ERROR, as in Nova.
          ...((input.toError || operation.onFailure === 'error') && { vmState: VmState.ERROR }),
        });
        await finishAction(db, instance.uuid, input.requestId);
      },
    ),
  };
}
