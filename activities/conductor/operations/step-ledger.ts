import { type DataSource, type EntityManager } from 'typeorm';
import { type OperationName } from '../../../common/compute/instance-states';
import { type Instance } from '../../../entities';
import { assertOwnedBy, lockInstance } from '../instance-tasks';

/** What every conductor step of an operation is called with. */
export interface StepInput {
  instanceUuid: string;
  requestId: string;
  /** The operation's workflow id: the instance's task_id while the operation owns it. */
  taskId: string;
  operation: OperationName;
  /** The step's name, unique within its task: with taskId, the key of the step ledger. */
  step: string;
}

interface StepOptions {
  /** Compensation after a preemption runs on an instance another task owns now. */
  owned: boolean;
}

/**
 * Makes a conductor step idempotent: it runs in one transaction holding the instance row lock,
 * and records its result in `task_steps` under (task id, step). A local activity can run again
 * after it committed (the conductor died before the workflow task was recorded, or the first try
 * outlived its timeout and still committed); the second run waits for the first's row lock, finds
 * its result, and returns that without touching anything.
 */
export function ledgered<I extends StepInput, O>(
  dataSource: DataSource,
  body: (db: EntityManager, instance: Instance, input: I) => Promise<O>,
  options: StepOptions = { owned: true },
): (input: I) => Promise<O> {
  return (input) => dataSource.transaction((db) => runLedgered(db, input, body, options));
}

/** `ledgered`'s work inside a transaction the caller opened (a step that tries several). */
export async function runLedgered<I extends StepInput, O>(
  db: EntityManager,
  input: I,
  body: (db: EntityManager, instance: Instance, input: I) => Promise<O>,
  options: StepOptions = { owned: true },
): Promise<O> {
  const instance = await lockInstance(db, input.instanceUuid);
  const recorded: { result: { value?: O } }[] = await db.query(
    'SELECT result FROM task_steps WHERE task_id = $1 AND step = $2',
    [input.taskId, input.step],
  );
  if (recorded.length > 0) return recorded[0].result.value as O;
  if (options.owned) assertOwnedBy(instance, input.instanceUuid, input.taskId);
  else if (!instance) throw new Error(`instance ${input.instanceUuid} does not exist`);
  const value = await body(db, instance, input);
  await db.query('INSERT INTO task_steps (task_id, step, result) VALUES ($1, $2, $3)', [
    input.taskId,
    input.step,
    JSON.stringify({ value }),
  ]);
  return value;
}

/** Drops ledger entries old enough that no workflow can run their step again. */
export async function purgeStepLedger(db: EntityManager, olderThanSeconds: number): Promise<number> {
  // Counted by a SELECT: TypeORM answers a bare DELETE ... RETURNING with [rows, count].
  const [{ purged }]: { purged: number }[] = await db.query(
    `WITH gone AS (DELETE FROM task_steps WHERE created_at < now() - make_interval(secs => $1) RETURNING 1)
     SELECT count(*)::int AS purged FROM gone`,
    [olderThanSeconds],
  );
  return purged;
}
