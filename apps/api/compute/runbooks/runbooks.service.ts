import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { DataSource } from 'typeorm';
import {
  RUNBOOK_FINAL_STATES,
  RUNBOOK_PROGRESS_QUERY,
  type RunbookInput,
  type RunbookName,
  type RunbookProgress,
  type RunbookSignal,
} from '../../../../common/compute/runbooks';
import { queueSignal, sendQueuedSignalNow } from '../../../../common/compute/signal-outbox';
import { queueWorkflow, type WorkflowLaunch } from '../../../../common/compute/workflow-outbox';
import { type Settings } from '../../../../common/config';
import { isUniqueViolation } from '../../../../common/db-errors';
import { type Logger } from '../../../../common/logger';
import { workflowUrl } from '../../../../common/workflow-url';
import { Runbook, Service } from '../../../../entities';
import { conflict, notFound } from '../../common/api-error';
import { type AuthContext } from '../../common/auth/auth-context';
import { WorkflowStarter } from '../../common/workflow-starter';
import { ApiMetrics } from '../../metrics/api-metrics';
import { LOGGER, SETTINGS } from '../../settings.module';
import { TEMPORAL_CLIENT } from '../../temporal.module';
import { isoMicros } from '../timestamps';
import { type CreateRunbookBody, runbookParameters } from './runbook-schemas';

/** Each runbook's workflow type. */
const WORKFLOWS: Record<RunbookName, string> = {
  'drain-host': 'drainHostWorkflow',
  'evacuate-host': 'evacuateHostWorkflow',
  'host-maintenance': 'hostMaintenanceWorkflow',
};

/** How long GET waits for a running runbook to answer its progress query before showing the recorded one. */
const QUERY_DEADLINE_MS = 3000;

const runbookNotFound = (id: string) => notFound(`Runbook ${id} could not be found.`);

/**
 * os-runbooks: starts a runbook as a workflow (its record and its launch in one transaction, as
 * an operation's claim and outbox), at most one running per host; shows it with its progress
 * (the workflow's query while it runs, its recorded progress otherwise); and steers it with
 * signals sent through the signal outbox, so a signal the API could not send now is not lost.
 */
@Injectable()
export class RunbooksService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly metrics: ApiMetrics,
    private readonly workflows: WorkflowStarter,
  ) {}

  async create(caller: AuthContext, body: CreateRunbookBody, requestId: string) {
    const service = await this.dataSource
      .getRepository(Service)
      .findOneBy({ host: body.host, binary: 'nova-compute' });
    if (!service) throw notFound(`Compute host ${body.host} could not be found.`);
    const id = `${body.runbook}-${body.host}-${randomBytes(4).toString('hex')}`;
    const input: RunbookInput = {
      id,
      runbook: body.runbook,
      host: body.host,
      actor: { userId: caller.userId, userName: caller.userName, projectId: caller.projectId ?? '' },
      parameters: runbookParameters(body, id),
    };
    const launch: WorkflowLaunch = {
      workflowId: id,
      workflowType: WORKFLOWS[body.runbook],
      input,
      searchAttributes: {
        projectId: input.actor.projectId,
        operation: body.runbook,
        requestId,
        computeHost: body.host,
      },
      memo: { user: caller.userName, parameters: input.parameters },
    };
    await this.releaseEndedRunbook(body.host);
    try {
      await this.dataSource.transaction(async (db) => {
        await db.getRepository(Runbook).insert({
          id,
          runbook: body.runbook,
          host: body.host,
          parameters: { ...input.parameters },
          status: 'running',
          progress: null,
          userId: caller.userId,
          projectId: input.actor.projectId,
          requestId,
          createdAt: new Date(),
        });
        await queueWorkflow(db, launch);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw conflict(`A runbook is already running on host ${body.host}.`);
      throw error;
    }
    this.metrics.operationLaunched(body.runbook);
    await this.workflows.start(launch);
    return this.view(await this.find(id));
  }

  async list(query: { host?: string; status?: string; limit: number }) {
    const rows = await this.dataSource.getRepository(Runbook).find({
      where: { ...(query.host && { host: query.host }), ...(query.status && { status: query.status }) },
      order: { createdAt: 'DESC', id: 'DESC' },
      take: query.limit,
    });
    return Promise.all(rows.map((row) => this.view(row)));
  }

  async show(id: string) {
    return this.view(await this.find(id));
  }

  /** Sends the operator's signal to a running runbook (202); one that has ended takes none (409). */
  async signal(id: string, signal: RunbookSignal, args: unknown[]): Promise<void> {
    const row = await this.find(id);
    if (row.status !== 'running' || (await this.endedStatus(row)))
      throw conflict(`Runbook ${id} is not running.`);

    // Signals with one name coalesce in the outbox until sent; an approve waits for the send.
    const queued = { workflowId: id, signal, args };
    await this.dataSource.transaction((db) => queueSignal(db, queued));
    await sendQueuedSignalNow(this.client, this.dataSource.manager, queued, this.logger);
  }

  private async find(id: string): Promise<Runbook> {
    const row = await this.dataSource.getRepository(Runbook).findOneBy({ id });
    if (!row) throw runbookNotFound(id);
    return row;
  }

  /**
   * A runbook whose record says running but whose workflow ended without recording it (an
   * operator terminated it): its record takes the workflow's end, so the host is free again.
   */
  private async endedStatus(row: Runbook): Promise<string | undefined> {
    try {
      const { status } = await this.client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
        this.client.workflow.getHandle(row.id).describe(),
      );
      if (status.name === 'RUNNING') return undefined;
      const ended = status.name.toLowerCase();
      await this.dataSource.query(
        `UPDATE runbooks SET status = $2, updated_at = now(), finished_at = now() WHERE id = $1 AND status = 'running'`,
        [row.id, ended],
      );
      return ended;
    } catch (error) {
      // Not started yet (the outbox holds it) or Temporal away: it is still running as far as we know.
      if (!(error instanceof WorkflowNotFoundError))
        this.logger.debug({ err: error }, 'runbook not described');
      return undefined;
    }
  }

  private async releaseEndedRunbook(host: string): Promise<void> {
    const running = await this.dataSource.getRepository(Runbook).findOneBy({ host, status: 'running' });
    if (running) await this.endedStatus(running);
  }

  /** The runbook's progress: its query's answer while it runs, else the last it recorded. */
  private async progress(row: Pick<Runbook, 'id' | 'status' | 'progress'>): Promise<RunbookProgress | null> {
    if (row.status !== 'running') return row.progress as RunbookProgress | null;
    try {
      return await this.client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
        this.client.workflow.getHandle(row.id).query<RunbookProgress>(RUNBOOK_PROGRESS_QUERY),
      );
    } catch (error) {
      this.logger.debug({ err: error, workflowId: row.id }, 'runbook progress query not answered');
      return row.progress as RunbookProgress | null;
    }
  }

  private async view(row: Runbook) {
    const { temporalUiUrl, temporalNamespace } = this.settings.env;
    const ended = row.status === 'running' ? await this.endedStatus(row) : undefined;
    const record = { ...row, status: ended ?? row.status };
    const progress = await this.progress(record);
    // The workflow may have ended between the record's read and its answer: its answer says so.
    const status = progress && RUNBOOK_FINAL_STATES.includes(progress.state) ? progress.state : record.status;
    return {
      id: record.id,
      runbook: record.runbook,
      host: record.host,
      status,
      parameters: record.parameters,
      progress,
      user_id: record.userId,
      project_id: record.projectId,
      request_id: record.requestId,
      created_at: isoMicros(record.createdAt),
      updated_at: isoMicros(record.updatedAt),
      finished_at: isoMicros(record.finishedAt),
      workflow_id: record.id,
      workflow_url: temporalUiUrl ? workflowUrl(temporalUiUrl, temporalNamespace, record.id, null) : null,
    };
  }
}
