import { randomUUID } from 'node:crypto';
import { type EntityManager } from 'typeorm';
import { recordActions } from '../../../../common/compute/instance-actions';
import { TaskState, VmState } from '../../../../common/compute/instance-states';
import { taskIdOf } from '../../../../common/compute/operation-launch';
import { Instance } from '../../../../entities';
import { type AuthContext } from '../../common/auth/auth-context';
import { type BootPlan } from './boot-request';

/** Instances per INSERT: 500 rows of the instance's columns stay well under PostgreSQL's 65,535 parameters. */
const INSTANCES_PER_INSERT = 500;

/** What a create request's instances share: how many, their reservation, the request. */
export interface BuildBatch {
  count: number;
  reservationId: string;
  requestId: string;
}

/** The `count` instances of a create request, BUILD/scheduling, each its boot workflow's id as task_id. */
export function newInstances(
  db: EntityManager,
  caller: AuthContext,
  plan: BootPlan,
  batch: BuildBatch,
): Instance[] {
  const now = new Date();
  const multiple = batch.count > 1;
  return Array.from({ length: batch.count }, (_, index) => {
    const uuid = randomUUID();
    return db.getRepository(Instance).create({
      uuid,
      // Nova's multi_instance_display_name_template, '%(name)s-%(count)d'.
      displayName: multiple ? `${plan.name}-${index + 1}` : plan.name,
      displayDescription: plan.description,
      hostname: multiple ? `${plan.hostname}-${index + 1}` : plan.hostname,
      projectId: caller.projectId!,
      userId: caller.userId,
      flavor: plan.flavor,
      vcpus: plan.flavor.vcpus,
      memoryMb: plan.flavor.memoryMb,
      rootGb: plan.flavor.rootGb,
      ephemeralGb: plan.flavor.ephemeralGb,
      imageRef: plan.imageRef,
      kernelId: plan.kernelId,
      ramdiskId: plan.ramdiskId,
      vmState: VmState.BUILDING,
      taskState: TaskState.SCHEDULING,
      taskId: taskIdOf('create', uuid, batch.requestId),
      powerState: 0,
      availabilityZone: plan.availabilityZone,
      requestedAvailabilityZone: plan.availabilityZone,
      keyName: plan.keyName,
      keyData: plan.keyData,
      userData: plan.userData,
      reservationId: batch.reservationId,
      launchIndex: index,
      accessIpV4: plan.accessIpV4,
      accessIpV6: plan.accessIpV6,
      configDrive: plan.configDrive,
      requestSpec: plan.requestSpec,
      createdAt: now,
      updatedAt: now,
    });
  });
}

/**
 * Writes the instances of a create request with what belongs to each (metadata, server group
 * membership, the create action naming its workflow) in a few multi-row INSERTs, however many
 * instances there are: the caller's transaction stays short under the project's quota lock.
 */
export async function insertBuildRecords(
  db: EntityManager,
  caller: AuthContext,
  plan: BootPlan,
  instances: Instance[],
  requestId: string,
): Promise<void> {
  for (let at = 0; at < instances.length; at += INSTANCES_PER_INSERT)
    await db.getRepository(Instance).insert(instances.slice(at, at + INSTANCES_PER_INSERT));
  const uuids = instances.map((instance) => instance.uuid);
  const metadata = Object.entries(plan.metadata);
  if (metadata.length > 0) {
    await db.query(
      `INSERT INTO instance_metadata (instance_uuid, key, value)
       SELECT instance.uuid, item.key, item.value
         FROM unnest($1::uuid[]) AS instance(uuid)
        CROSS JOIN unnest($2::varchar[], $3::varchar[]) AS item(key, value)`,
      [uuids, metadata.map(([key]) => key), metadata.map(([, value]) => value)],
    );
  }
  if (plan.groupUuid) {
    await db.query(
      'INSERT INTO server_group_members (group_uuid, instance_uuid) SELECT $1, unnest($2::uuid[])',
      [plan.groupUuid, uuids],
    );
  }
  await recordActions(
    db,
    caller,
    'create',
    requestId,
    instances.map((instance) => ({ instanceUuid: instance.uuid, workflowId: instance.taskId! })),
  );
}
