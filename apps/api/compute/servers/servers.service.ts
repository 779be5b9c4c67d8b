import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { VmState } from '../../../../common/compute/instance-states';
import {
  headroom,
  lockProjectQuota,
  projectLimits,
  projectUsage,
  quotaOverages,
} from '../../../../common/compute/quotas';
import { type Settings } from '../../../../common/config';
import { crashPoint } from '../../../../common/crash-points';
import { Instance } from '../../../../entities';
import { badRequest, forbidden } from '../../common/api-error';
import { type AuthContext } from '../../common/auth/auth-context';
import { SETTINGS } from '../../settings.module';
import { FlavorsService } from '../flavors/flavors.service';
import { type ApiVersion } from '../microversion';
import { type BootPlan, resolveBootRequest } from './boot-request';
import { launchOf } from '../../../../common/compute/operation-launch';
import { maxCountWithinPortQuota } from './port-quota';
import { quotaExceeded } from './quota-exceeded';
import { OperationLauncher } from './operation-launcher';
import { type ServerCreateBody } from './server.schemas';
import { queueWorkflows, type WorkflowLaunch } from '../../../../common/compute/workflow-outbox';
import { insertBuildRecords, newInstances } from './build-records';

export interface CreatedServers {
  /** The first instance's uuid: the one Nova's answer shows. */
  firstUuid: string;
  reservationId: string;
  adminPass: string;
  returnReservationId: boolean;
  /** The boot workflows, committed in the outbox, for the relay to start once the answer is out. */
  launches: WorkflowLaunch[];
}

/** Server create, update and delete: records in the database, operations as workflows. */
@Injectable()
export class ServersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly flavors: FlavorsService,
    private readonly operations: OperationLauncher,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /**
   * POST /servers: checks the request, then in one transaction under the project's quota lock
   * counts usage and inserts the instances (BUILD/scheduling, their task_id the boot workflow's
   * id) with their boot workflows queued in the outbox, all in a few multi-row INSERTs. Starts
   * none of them: as Nova's API casts to the conductor, the caller answers and then hands the
   * launches to the relay; what a crash keeps from starting, the reconciler starts.
   */
  async create(
    caller: AuthContext,
    body: ServerCreateBody,
    version: ApiVersion,
    requestId: string,
  ): Promise<CreatedServers> {
    const plan = await resolveBootRequest(
      this.dataSource.manager,
      caller,
      body,
      version,
      this.flavors,
      this.settings.config,
    );
    const reservationId = `r-${randomBytes(4).toString('hex')}`;
    const launches = await this.dataSource.transaction(async (db) => {
      const projectId = caller.projectId!;
      await lockProjectQuota(db, projectId);
      const count = await this.countWithinQuota(db, projectId, plan);
      const instances = newInstances(db, caller, plan, { count, reservationId, requestId });
      await insertBuildRecords(db, caller, plan, instances, requestId);
      const queued = instances.map((instance) =>
        launchOf('create', instance, requestId, {}, { image: plan.imageRef, user: caller.userName }),
      );
      await queueWorkflows(db, queued);
      return queued;
    });
    // Committed, not answered: the boots are the reconciler's to start if this process dies here.
    crashPoint('api-before-workflow-start');
    return {
      firstUuid: launches[0].searchAttributes.instanceUuid!,
      reservationId,
      // Nova answers with the adminPass asked for, and makes one up only when none was.
      adminPass: body.server.adminPass ?? randomBytes(9).toString('base64url').slice(0, 12),
      returnReservationId: plan.returnReservationId,
      launches,
    };
  }

  /** How many of min..max instances fit the project's quotas (ports first, as Nova), or Nova's 403. */
  private async countWithinQuota(db: EntityManager, projectId: string, plan: BootPlan): Promise<number> {
    const maxCount = await maxCountWithinPortQuota(db, projectId, plan.requestSpec.networks, plan);
    const [limits, usage] = await Promise.all([
      projectLimits(db, this.settings.config, projectId),
      projectUsage(db, projectId),
    ]);
    const want = (count: number) => ({
      instances: count,
      cores: count * plan.flavor.vcpus,
      ram: count * plan.flavor.memoryMb,
    });
    // Nova's check_num_instances_quota: max_count if it fits, else as many as the headroom allows
    // if that is at least min_count, else 403. Arithmetic, not a loop: max_count is unbounded.
    const allowed = headroom(limits, usage, plan.flavor);
    if (allowed < plan.minCount) throw quotaExceeded(quotaOverages(limits, usage, want(plan.minCount)));
    const perRequest = this.settings.config.api.max_servers_per_request;
    if (plan.minCount > perRequest) {
      throw badRequest(
        `min_count ${plan.minCount} is more than the ${perRequest} servers one request may create.`,
      );
    }
    const count = Math.min(maxCount, allowed, perRequest);
    if (plan.groupUuid && limits.server_group_members >= 0) {
      const [{ members }] = await db.query(
        'SELECT count(*)::int AS members FROM server_group_members WHERE group_uuid = $1',
        [plan.groupUuid],
      );
      if (members + count > limits.server_group_members)
        throw forbidden('Quota exceeded, too many servers in group');
    }
    return count;
  }

  /**
   * DELETE /servers/{id}: takes the instance over from whatever task runs on it (delete is the
   * preempting operation), then starts the delete workflow, which cancels that task first. With
   * [DEFAULT] reclaim_instance_interval, a launched instance is soft-deleted instead, to be
   * reclaimed later or restored. A second delete while one runs changes nothing.
   */
  async delete(caller: AuthContext, instance: Instance, requestId: string): Promise<void> {
    const interval = this.settings.config.DEFAULT.reclaim_instance_interval;
    const soft = interval > 0 && instance.launchedAt !== null && instance.vmState !== VmState.SOFT_DELETED;
    if (soft) {
      await this.operations.run(caller, 'soft_delete', instance, requestId, {
        reclaimAfterSeconds: interval,
      });
    } else {
      await this.operations.run(caller, 'delete', instance, requestId);
    }
  }

  /** PUT /servers/{id}: name, description, access IPs. */
  async update(instance: Instance, changes: Partial<Instance>): Promise<Instance> {
    if (Object.keys(changes).length > 0) {
      await this.dataSource
        .getRepository(Instance)
        .update({ uuid: instance.uuid }, { ...changes, updatedAt: new Date() });
    }
    return this.dataSource.getRepository(Instance).findOneByOrFail({ uuid: instance.uuid });
  }
}
