import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { type ClaimOutcome } from '../../../../common/compute/instance-claims';
import { conflictMessage, OPERATIONS, type OperationName } from '../../../../common/compute/instance-states';
import { claimAndQueue, launchOf, type Target } from '../../../../common/compute/operation-launch';
import { type WorkflowLaunch } from '../../../../common/compute/workflow-outbox';
import { ApiError } from '../../common/api-error';
import { type AuthContext, isAdmin } from '../../common/auth/auth-context';
import { ApiMetrics } from '../../metrics/api-metrics';
import { WorkflowStarter } from '../../common/workflow-starter';
import { instanceNotFound } from './server-reader';

/** Nova's answer to a claim that did not succeed. */
function refusal(
  claim: Exclude<ClaimOutcome, { outcome: 'claimed' | 'already-running' }>,
  operation: OperationName,
  uuid: string,
): ApiError {
  switch (claim.outcome) {
    case 'not-found':
      return instanceNotFound(uuid);
    case 'locked':
      return new ApiError('conflictingRequest', `Instance ${uuid} is locked`);
    case 'not-ready':
      return new ApiError('conflictingRequest', `Instance ${uuid} is not ready`);
    case 'refused':
      return new ApiError('conflictingRequest', conflictMessage(OPERATIONS[operation], uuid, claim));
  }
}

/**
 * Runs operations as workflows: claims the instance (Nova's task_id rule), records the
 * instance action and queues the workflow in the outbox, all in one transaction, then starts
 * the workflow. A crash between commit and start loses nothing: the reconciler starts what the
 * outbox holds. A Temporal that cannot be reached now is the reconciler's to retry too.
 */
@Injectable()
export class OperationLauncher {
  constructor(
    private readonly dataSource: DataSource,
    private readonly workflows: WorkflowStarter,
    private readonly metrics: ApiMetrics,
  ) {}

  /** Starts a queued launch now; a failure is logged and left to the reconciler. */
  async start(launch: WorkflowLaunch): Promise<void> {
    this.metrics.operationLaunched(launch.searchAttributes.operation);
    await this.workflows.start(launch);
  }

  /**
   * Claims the instance for `operation` or answers as Nova would (404, or 409 locked / not
   * ready / in the wrong state), runs `prepare` in the claim's transaction, then starts its
   * workflow. Returns false when the same
   * preempting operation already runs (a second delete), which changes nothing.
   */
  async run(
    caller: AuthContext,
    operation: OperationName,
    target: Target,
    requestId: string,
    input: Record<string, unknown> = {},
    prepare?: (db: EntityManager, taskId: string) => Promise<Record<string, unknown> | void>,
  ): Promise<boolean> {
    const launch = launchOf(operation, target, requestId, input, { user: caller.userName });
    const queued = await this.dataSource.transaction(async (db) => {
      const claimant = { ...caller, overrideLock: isAdmin(caller) };
      const claim = await claimAndQueue(db, claimant, operation, launch, requestId, prepare);
      if (claim.outcome === 'already-running') return false;
      if (claim.outcome !== 'claimed') throw refusal(claim, operation, target.uuid);
      return true;
    });
    if (queued) await this.start(launch);
    return queued;
  }
}
