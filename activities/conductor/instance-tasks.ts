import { ApplicationFailure } from '@temporalio/activity';
import { type EntityManager } from 'typeorm';
import { FailureType } from '../../common/compute/failures';
import { Instance } from '../../entities';

/**
 * Locks the instance row and checks that `taskId` still owns it (the operation protocol's step 3):
 * when a delete took the instance over, the step fails non-retryably and the workflow stops
 * after its compensation.
 */
export async function lockForTask(
  db: EntityManager,
  instanceUuid: string,
  taskId: string,
): Promise<Instance> {
  const instance = await db
    .getRepository(Instance)
    .createQueryBuilder('i')
    .setLock('pessimistic_write')
    .where('i.uuid = :instanceUuid', { instanceUuid })
    .getOne();
  if (!instance || instance.taskId !== taskId || instance.deletedAt) {
    throw ApplicationFailure.create({
      type: FailureType.TASK_PREEMPTED,
      message: `task ${taskId} no longer owns instance ${instanceUuid} (now ${instance?.taskId ?? 'gone'})`,
      nonRetryable: true,
    });
  }
  return instance;
}

/** Moves the owned instance on; `updated_at` changes with it, as every Nova save does. */
export async function updateInstance(
  db: EntityManager,
  instanceUuid: string,
  changes: Partial<Instance>,
): Promise<void> {
  await db.getRepository(Instance).update({ uuid: instanceUuid }, { ...changes, updatedAt: new Date() });
}
