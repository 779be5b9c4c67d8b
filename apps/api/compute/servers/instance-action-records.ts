import { type EntityManager } from 'typeorm';
import { InstanceAction } from '../../../../entities';
import { type AuthContext } from '../../common/auth/auth-context';

/** Records an instance action (os-instance-actions) for a request, with the workflow that runs it. */
export async function recordAction(
  db: EntityManager,
  caller: AuthContext,
  instanceUuid: string,
  action: string,
  requestId: string,
  workflowId: string | null,
): Promise<void> {
  await db.getRepository(InstanceAction).insert({
    instanceUuid,
    requestId,
    action,
    projectId: caller.projectId ?? '',
    userId: caller.userId,
    startTime: new Date(),
    workflowId,
  });
}
