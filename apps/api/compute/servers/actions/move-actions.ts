import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type Client } from '@temporalio/client';
import { DataSource, type EntityManager } from 'typeorm';
import { createMigration } from '../../../../../common/compute/instance-migrations';
import { conflictMessage, OPERATIONS, VmState } from '../../../../../common/compute/instance-states';
import { MigrationStatus, MigrationType } from '../../../../../common/compute/migrations';
import { MOVE_SIGNALS } from '../../../../../common/compute/move-signals';
import {
  lockProjectQuota,
  projectLimits,
  projectUsage,
  quotaOverages,
} from '../../../../../common/compute/quotas';
import { isServiceUp } from '../../../../../common/compute/service-liveness';
import {
  queueSignal,
  sendQueuedSignalNow,
  type WorkflowSignal,
} from '../../../../../common/compute/signal-outbox';
import { type Settings } from '../../../../../common/config';
import { findImageForProject } from '../../../../../common/image';
import { type Logger } from '../../../../../common/logger';
import { type FlavorSnapshot, type Instance, InstanceMigration, Service } from '../../../../../entities';
import { ApiError, badRequest, conflict, notFound } from '../../../common/api-error';
import { isAdmin } from '../../../common/auth/auth-context';
import { LOGGER, SETTINGS } from '../../../settings.module';
import { TEMPORAL_CLIENT } from '../../../temporal.module';
import { FlavorsService } from '../../flavors/flavors.service';
import { flavorImageMisfit, flavorSnapshot } from '../boot-request';
import { recordAction } from '../../../../../common/compute/instance-actions';
import { OperationLauncher } from '../operation-launcher';
import { quotaExceeded } from '../quota-exceeded';
import { lockInstanceRow } from './instance-row';
import {
  type EvacuateValue,
  type LiveMigrateValue,
  type MigrateValue,
  type ResizeValue,
} from './move-schemas';
import { type ActionRequest } from './server-action';
import { novaBool } from '../../services/legacy-service-actions';

const sameFlavor = (a: FlavorSnapshot, b: FlavorSnapshot) => a.flavorid === b.flavorid;

/**
 * Where a live migration or an evacuation may go: the admin's host, forced (filters skipped) or
 * requested (filters applied), or any host but the source.
 */
const destinationQuery = (instance: Instance, host: string | undefined, forced: boolean) =>
  forced ? { forcedHost: host } : host ? { requestedHost: host } : { ignoreHosts: [instance.host!] };

/**
 * The actions that move a server: resize, migrate, os-migrateLive and evacuate start their
 * workflow with a migration record written in the claim's transaction; confirmResize and
 * revertResize record their action and signal the resize's workflow, which waits for them.
 */
@Injectable()
export class MoveActions {
  constructor(
    private readonly dataSource: DataSource,
    private readonly launcher: OperationLauncher,
    private readonly flavors: FlavorsService,
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The compute service of `host`, or undefined when no compute host has that name. */
  private async computeService(host: string | null): Promise<Service | undefined> {
    if (!host) return undefined;
    const service = await this.dataSource.getRepository(Service).findOneBy({ host, binary: 'nova-compute' });
    return service ?? undefined;
  }

  private serviceUp(service: Service): boolean {
    return isServiceUp(service, this.settings.config.DEFAULT.service_down_time);
  }

  /** Nova's check_instance_host(check_is_up=True): a move starts only from a host that is up. */
  private async requireSourceUp(instance: Instance): Promise<void> {
    const service = await this.computeService(instance.host);
    if (service && !this.serviceUp(service)) throw conflict('Service is unavailable at this time.');
  }

  /** The workflow of a move: claim, migration record, launch. */
  private startMove(
    request: ActionRequest<unknown>,
    operation: 'resize' | 'migrate' | 'live_migrate' | 'evacuate',
    move: { type: MigrationType; status: MigrationStatus; newFlavor: FlavorSnapshot; destHost?: string },
    input: Record<string, unknown>,
  ) {
    const { caller, instance, requestId } = request;
    return this.launcher.run(caller, operation, instance, requestId, input, async (db, workflowId) => {
      const migrationUuid = await createMigration(db, {
        instance,
        type: move.type,
        status: move.status,
        newFlavor: move.newFlavor,
        userId: caller.userId,
        projectId: instance.projectId,
        workflowId,
      });
      if (move.destHost)
        await db
          .getRepository(InstanceMigration)
          .update({ uuid: migrationUuid }, { destCompute: move.destHost });
      return { migrationUuid };
    });
  }

  /** Scheduler hints every resize and cold migration share: the source only when same-host resizes are allowed. */
  private sourceExclusion(instance: Instance) {
    return this.settings.config.DEFAULT.allow_resize_to_same_host ? [] : [instance.host!];
  }

  private resizeInput(query: object) {
    return { query, confirmWindowSeconds: this.settings.config.DEFAULT.resize_confirm_window };
  }

  async resize(request: ActionRequest<ResizeValue>): Promise<void> {
    const { caller, instance, value } = request;
    await this.precheck(request, 'resize');
    const flavorRef = String(value.flavorRef);
    const flavor = await this.flavors.find(caller, flavorRef).catch((error: unknown) => {
      if (error instanceof ApiError && error.status === 404) throw badRequest(error.message);
      throw error;
    });
    const newFlavor = flavorSnapshot(flavor);
    if (sameFlavor(newFlavor, instance.flavor))
      throw badRequest('When resizing, instances must change flavor!');
    if (flavor.disabled) throw badRequest(`Flavor ${flavorRef} could not be found.`);
    if (newFlavor.rootGb === 0 && instance.flavor.rootGb !== 0)
      throw badRequest(
        'Server disk was unable to be resized because: Resize to zero disk flavor is not allowed.',
      );
    const image = await findImageForProject(this.dataSource, instance.imageRef, {
      projectId: instance.projectId,
      isAdmin: true,
    });
    if (!image) throw badRequest('Image that the instance was started with could not be found.');
    const misfit = flavorImageMisfit(newFlavor, image);
    if (misfit) throw badRequest(misfit);
    await this.checkUpsizeQuota(instance, newFlavor);
    await this.startMove(
      request,
      'resize',
      { type: MigrationType.RESIZE, status: MigrationStatus.PRE_MIGRATING, newFlavor },
      this.resizeInput({ ignoreHosts: this.sourceExclusion(instance) }),
    );
  }

  async migrate(request: ActionRequest<MigrateValue>): Promise<void> {
    const { instance, value, version } = request;
    await this.precheck(request, 'migrate');
    const host = version.atLeast('2.56') ? (value?.host ?? undefined) : undefined;
    if (host !== undefined) {
      if (host === instance.host) throw badRequest('Cannot migrate to the host where the server exists.');
      if (!(await this.computeService(host))) throw badRequest(`Compute host ${host} could not be found.`);
    }
    await this.startMove(
      request,
      'migrate',
      { type: MigrationType.MIGRATION, status: MigrationStatus.PRE_MIGRATING, newFlavor: instance.flavor },
      this.resizeInput(host ? { requestedHost: host } : { ignoreHosts: [instance.host!] }),
    );
  }

  async liveMigrate(request: ActionRequest<LiveMigrateValue>): Promise<void> {
    const { instance, value, version } = request;
    this.assertUnlocked(request);
    await this.assertMayStart(instance, 'live_migrate');
    const host = value.host ?? undefined;
    const force = version.atLeast('2.30') && value.force !== undefined && novaBool(value.force);
    if (force && !host) throw badRequest("Can't force to a non-provided destination");
    if (host !== undefined && !(await this.computeService(host)))
      throw badRequest(`Compute host ${host} could not be found.`);
    // Before 2.30 a given host was not checked by the scheduler: Nova forced it.
    const forced = host !== undefined && (force || !version.atLeast('2.30'));
    await this.startMove(
      request,
      'live_migrate',
      {
        type: MigrationType.LIVE_MIGRATION,
        status: MigrationStatus.ACCEPTED,
        newFlavor: instance.flavor,
        destHost: host,
      },
      {
        query: destinationQuery(instance, host, forced),
        maxConcurrent: this.settings.config.DEFAULT.max_concurrent_live_migrations,
      },
    );
  }

  /** Before 2.14 Nova answers with the rebuilt server's password. */
  async evacuate(request: ActionRequest<EvacuateValue>): Promise<{ adminPass: string } | void> {
    const { instance, value, version } = request;
    const host = value.host;
    const force = version.atLeast('2.29') && value.force !== undefined && novaBool(value.force);
    if (force && !host) throw badRequest("Can't force to a non-provided destination");
    if (host !== undefined && !(await this.computeService(host)))
      throw notFound(`Compute host ${host} not found.`);
    if (host !== undefined && host === instance.host)
      throw badRequest("The target host can't be the same one.");
    await this.assertMayStart(instance, 'evacuate');
    const source = await this.computeService(instance.host);
    if (source && this.serviceUp(source))
      throw badRequest(`Compute service of ${instance.host} is still in use.`);
    const adminPass = value.adminPass ?? randomBytes(9).toString('base64url').slice(0, 12);
    const forced = host !== undefined && (force || !version.atLeast('2.29'));
    await this.startMove(
      request,
      'evacuate',
      {
        type: MigrationType.EVACUATION,
        status: MigrationStatus.ACCEPTED,
        newFlavor: instance.flavor,
        destHost: host,
      },
      { query: destinationQuery(instance, host, forced) },
    );
    if (!version.atLeast('2.14')) return { adminPass };
  }

  /** confirmResize: 204; the resize's workflow does the rest. */
  confirm(request: ActionRequest<unknown>): Promise<void> {
    return this.decide(request, 'confirm_resize', MigrationStatus.CONFIRMING, MOVE_SIGNALS.confirmResize);
  }

  /** revertResize: 202, task_state resize_reverting until the source runs the guest again. */
  revert(request: ActionRequest<unknown>): Promise<void> {
    return this.decide(request, 'revert_resize', MigrationStatus.REVERTING, MOVE_SIGNALS.revertResize);
  }

  /**
   * Records the decision (migration status, task state, instance action) and queues the signal
   * in one transaction, then signals; a lost signal is the reconciler's to send.
   */
  private async decide(
    { caller, instance, requestId }: ActionRequest<unknown>,
    operation: 'confirm_resize' | 'revert_resize',
    status: MigrationStatus,
    signalName: string,
  ): Promise<void> {
    const signal = await this.dataSource.transaction(async (db): Promise<WorkflowSignal> => {
      const row = await lockInstanceRow(db, instance.uuid);
      if (row.locked && !isAdmin(caller)) throw conflict(`Instance ${instance.uuid} is locked`);
      const state = { vmState: row.vm_state, taskState: row.task_state };
      if (row.vm_state !== VmState.RESIZED || row.task_state !== null)
        throw conflict(conflictMessage(OPERATIONS[operation], instance.uuid, state));
      const migration = await this.finishedMigration(db, instance.uuid);
      if (!migration || migration.workflowId !== row.task_id)
        throw badRequest('Instance has not been resized.');
      await db
        .getRepository(InstanceMigration)
        .update({ uuid: migration.uuid }, { status, updatedAt: new Date() });
      const [taskState] = OPERATIONS[operation].taskStates;
      if (taskState)
        await db.query('UPDATE instances SET task_state = $2, updated_at = now() WHERE uuid = $1', [
          instance.uuid,
          taskState,
        ]);
      await recordAction(
        db,
        caller,
        instance.uuid,
        OPERATIONS[operation].action,
        requestId,
        migration.workflowId,
      );
      const queued = { workflowId: migration.workflowId, signal: signalName, args: [{ requestId }] };
      await queueSignal(db, queued);
      return queued;
    });
    await sendQueuedSignalNow(this.client, this.dataSource.manager, signal, this.logger);
  }

  /** Nova's Migration.get_by_instance_and_status(uuid, 'finished'). */
  private async finishedMigration(db: EntityManager, instanceUuid: string) {
    return db.getRepository(InstanceMigration).findOne({
      where: { instanceUuid, status: MigrationStatus.FINISHED },
      order: { id: 'DESC' },
    });
  }

  /** Nova's decorators of resize and migrate, in their order: lock, state, source host up. */
  private async precheck(request: ActionRequest<unknown>, operation: 'resize' | 'migrate') {
    this.assertUnlocked(request);
    await this.assertMayStart(request.instance, operation);
    await this.requireSourceUp(request.instance);
  }

  private assertUnlocked({ caller, instance }: ActionRequest<unknown>) {
    if (instance.locked && !isAdmin(caller)) throw conflict(`Instance ${instance.uuid} is locked`);
  }

  /** The state check Nova makes before its other checks of a move (check_instance_state); the claim checks again. */
  private async assertMayStart(
    instance: Instance,
    operation: 'resize' | 'migrate' | 'live_migrate' | 'evacuate',
  ) {
    const row = OPERATIONS[operation];
    const vmStates = row.fromVmStates as readonly string[];
    const preempts = 'preempts' in row ? (row.preempts as readonly string[]) : [];
    const state = { vmState: instance.vmState, taskState: instance.taskState };
    const taskOk = instance.taskState === null || preempts.includes(instance.taskState);
    if (!vmStates.includes(instance.vmState) || !taskOk)
      throw conflict(conflictMessage(row, instance.uuid, state));
  }

  /** Nova's _check_quota_for_upsize: only what the new flavor adds counts. */
  private async checkUpsizeQuota(instance: Instance, newFlavor: FlavorSnapshot): Promise<void> {
    const cores = newFlavor.vcpus - instance.flavor.vcpus;
    const ram = newFlavor.memoryMb - instance.flavor.memoryMb;
    if (cores <= 0 && ram <= 0) return;
    await this.dataSource.transaction(async (db) => {
      await lockProjectQuota(db, instance.projectId);
      const limits = await projectLimits(db, this.settings.config, instance.projectId);
      const usage = await projectUsage(db, instance.projectId);
      const overs = quotaOverages(limits, usage, { ...(cores > 0 && { cores }), ...(ram > 0 && { ram }) });
      if (overs.length > 0) throw quotaExceeded(overs);
    });
  }
}
