import { ApplicationFailure } from '@temporalio/activity';
import { type EntityManager } from 'typeorm';
import { FailureType } from '../../common/compute/failures';
import { Instance } from '../../entities';
import { finishAction, finishEvent } from './instance-actions';

/** Locks the instance row for this transaction; undefined when there is no such row. */
export async function lockInstance(db: EntityManager, instanceUuid: string): Promise<Instance | undefined> {
  const instance = await db
    .getRepository(Instance)
    .createQueryBuilder('i')
    .setLock('pessimistic_write')
    .where('i.uuid = :instanceUuid', { instanceUuid })
    .getOne();
  return instance ?? undefined;
}

/**
 * Checks that `taskId` still owns the instance (Nova's task_id rule): when another task took it
 * over (a delete, a hard reboot, a reset), the step fails non-retryably and the workflow stops
 * after its compensation.
 */
export function assertOwnedBy(
  instance: Instance | undefined,
  instanceUuid: string,
  taskId: string,
): asserts instance is Instance {
  if (!instance || instance.taskId !== taskId || instance.deletedAt) {
    throw ApplicationFailure.create({
      type: FailureType.TASK_PREEMPTED,
      message: `task ${taskId} no longer owns instance ${instanceUuid} (now ${instance?.taskId ?? 'gone'})`,
      nonRetryable: true,
    });
  }
}

/** Moves the owned instance on; `updated_at` changes with it, as every Nova save does. */
export async function updateInstance(
  db: EntityManager,
  instanceUuid: string,
  changes: Partial<Instance>,
): Promise<void> {
  await db.getRepository(Instance).update({ uuid: instanceUuid }, { ...changes, updatedAt: new Date() });
}

/** Puts the instance on `destination` (its host, node and that host's zone) in `taskState`. */
export async function placeInstance(
  db: EntityManager,
  instance: Instance,
  destination: { host: string; node: string },
  taskState: string,
): Promise<void> {
  const [zone]: { zone: string }[] = await db.query(
    `SELECT zone FROM services WHERE host = $1 AND "binary" = 'nova-compute'`,
    [destination.host],
  );
  await updateInstance(db, instance.uuid, {
    host: destination.host,
    node: destination.node,
    availabilityZone: zone?.zone ?? instance.availabilityZone,
    taskState,
  });
}

/**
 * A guest spawned afresh (boot, rebuild, evacuation) runs: the instance settles in `vmState` with
 * no task, powered as the host said, launched now; its event and action end in success.
 */
export async function finishSpawned(
  db: EntityManager,
  instanceUuid: string,
  step: { requestId: string; vmState: string; powerState: number; rootDeviceName: string; event: string },
): Promise<void> {
  await updateInstance(db, instanceUuid, {
    vmState: step.vmState,
    taskState: null,
    taskId: null,
    powerState: step.powerState,
    rootDeviceName: step.rootDeviceName,
    launchedAt: new Date(),
  });
  await finishEvent(db, instanceUuid, step.requestId, step.event, { result: 'Success' });
  await finishAction(db, instanceUuid, step.requestId);
}
