import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { type Settings } from '../../../../common/config';
import { workflowUrl } from '../../../../common/workflow-url';
import { Instance, InstanceAction, InstanceActionEvent } from '../../../../entities';
import { notFound } from '../../common/api-error';
import { type AuthContext, Caller, isAdmin } from '../../common/auth/auth-context';
import { allowed, enforce } from '../../common/policy';
import { SETTINGS } from '../../settings.module';
import { nextPageLinks } from '../links';
import { type ApiVersion, Microversion } from '../microversion';
import { instanceActionPage } from './instance-actions-page';
import { instanceNotFound } from './server-reader';
import { hostId } from './server.view';
import { isoMicros } from '../timestamps';
import { QueryParams, Returns } from '../../common/openapi';
import { arr, link, obj, str } from '../../common/openapi-shapes';
import { INSTANCE_ACTION, wrapped } from '../compute-shapes';
import { PAGINATION_PARAMS } from '../pagination';

/** os-instance-actions: each request made on a server, and (for who may see them) its events. */
@ApiTags('compute: servers')
@Controller('compute/v2.1/servers/:serverId/os-instance-actions')
export class InstanceActionsController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  /** From 2.21 the actions of a deleted server stay readable. */
  private async instance(caller: AuthContext, serverId: string, v: ApiVersion): Promise<Instance> {
    const instance = /^[0-9a-f-]{36}$/i.test(serverId)
      ? await this.dataSource.getRepository(Instance).findOneBy({ uuid: serverId })
      : null;
    const visible = instance && (isAdmin(caller) || instance.projectId === caller.projectId);
    if (!visible || (instance.deletedAt && !v.atLeast('2.21'))) throw instanceNotFound(serverId);
    return instance;
  }

  private action(action: InstanceAction, v: ApiVersion) {
    return {
      action: action.action,
      instance_uuid: action.instanceUuid,
      request_id: action.requestId,
      user_id: action.userId,
      project_id: action.projectId,
      start_time: isoMicros(action.startTime),
      message: action.message,
      ...(v.atLeast('2.58') && { updated_at: isoMicros(action.updatedAt ?? action.startTime) }),
    };
  }

  /**
   * Novaflow's addition for operators: the Temporal workflow that ran the action, and its page
   * in the Web UI when the API knows where that is (TEMPORAL_UI_URL).
   */
  private workflow(workflowId: string, runId: string | null) {
    const { temporalUiUrl, temporalNamespace } = this.settings.env;
    return {
      workflow_id: workflowId,
      workflow_run_id: runId,
      workflow_url: temporalUiUrl ? workflowUrl(temporalUiUrl, temporalNamespace, workflowId, runId) : null,
    };
  }

  @QueryParams({ ...PAGINATION_PARAMS, 'changes-since': str, 'changes-before': str })
  @Returns(200, obj({ instanceActions: arr(INSTANCE_ACTION), links: arr(link) }, ['instanceActions']))
  @Get()
  async list(
    @Caller() caller: AuthContext,
    @Param('serverId') serverId: string,
    @Microversion() v: ApiVersion,
    @Query() query: Record<string, unknown>,
  ) {
    const instance = await this.instance(caller, serverId, v);
    enforce(caller, 'os_compute_api:os-instance-actions:list', { projectId: instance.projectId });
    if (!v.atLeast('2.58')) {
      const actions = await this.dataSource
        .getRepository(InstanceAction)
        .find({ where: { instanceUuid: instance.uuid }, order: { startTime: 'DESC', id: 'DESC' } });
      return { instanceActions: actions.map((action) => this.action(action, v)) };
    }
    // From 2.58 the list pages (limit, marker) and filters; the next page is under "links".
    const { actions, limit } = await instanceActionPage(
      this.dataSource,
      instance.uuid,
      query,
      v,
      this.settings.config.api.max_limit,
    );
    const links = nextPageLinks(
      this.settings.env.publicUrl,
      `servers/${serverId}/os-instance-actions`,
      query,
      actions,
      limit,
      actions.at(-1)?.requestId,
    );
    return { instanceActions: actions.map((action) => this.action(action, v)), ...(links && { links }) };
  }

  @Returns(200, wrapped('instanceAction', INSTANCE_ACTION))
  @Get(':requestId')
  async show(
    @Caller() caller: AuthContext,
    @Param('serverId') serverId: string,
    @Param('requestId') requestId: string,
    @Microversion() v: ApiVersion,
  ) {
    const instance = await this.instance(caller, serverId, v);
    enforce(caller, 'os_compute_api:os-instance-actions:show', { projectId: instance.projectId });
    const action = await this.dataSource
      .getRepository(InstanceAction)
      .findOneBy({ instanceUuid: instance.uuid, requestId });
    if (!action) throw notFound(`Action ${requestId} could not be found.`);
    const seesEvents = allowed(caller, 'os_compute_api:os-instance-actions:events');
    const seesTracebacks = allowed(caller, 'os_compute_api:os-instance-actions:events:details');
    const seesWorkflow = allowed(caller, 'os_compute_api:os-instance-actions:workflow');
    const events =
      seesEvents || v.atLeast('2.51')
        ? await this.dataSource
            .getRepository(InstanceActionEvent)
            .find({ where: { actionId: action.id }, order: { startTime: 'ASC', id: 'ASC' } })
        : undefined;
    return {
      instanceAction: {
        ...this.action(action, v),
        ...(seesWorkflow && action.workflowId && this.workflow(action.workflowId, action.workflowRunId)),
        ...(events && {
          events: events.map((event) => ({
            event: event.event,
            start_time: isoMicros(event.startTime),
            finish_time: isoMicros(event.finishTime),
            result: event.result,
            ...(seesTracebacks && { traceback: event.traceback }),
            ...(v.atLeast('2.62') && seesEvents && { host: event.host ?? '' }),
            ...(v.atLeast('2.62') && { hostId: hostId(instance.projectId, event.host) }),
            ...(v.atLeast('2.84') && { details: event.details }),
          })),
        }),
      },
    };
  }
}
