import { Inject, Injectable } from '@nestjs/common';
import { ActivityFailure, ApplicationFailure, type Client, WorkflowFailedError } from '@temporalio/client';
import { FailureType } from '../../../../../common/compute/failures';
import { type Logger } from '../../../../../common/logger';
import { CONDUCTOR_TASK_QUEUE, SEARCH_ATTRIBUTES } from '../../../../../common/task-queues';
import type { consoleOutputWorkflow } from '../../../../../workflows/console-output';
import { conflict, notFound } from '../../../common/api-error';
import { LOGGER } from '../../../settings.module';
import { TEMPORAL_CLIENT } from '../../../temporal.module';
import { instanceNotFound } from '../server-reader';
import { type ConsoleOutputValue } from './action-schemas';
import { printable } from './console-text';
import { type ActionRequest } from './server-action';

/** How long the API waits for a host to read a console log before it answers 409. */
const RUN_TIMEOUT = '30 seconds';

/** The line count a host takes: null (Nova's v2 "all") becomes none, a numeric string a number. */
const lineCount = (length: ConsoleOutputValue['length']) =>
  length === null || length === undefined ? undefined : Number(length);

/**
 * os-getConsoleOutput: reads the guest's console log on its host through a short workflow that
 * takes no task (it changes nothing, so it runs beside whatever task runs), and waits for it.
 */
@Injectable()
export class ConsoleOutputReader {
  constructor(
    @Inject(TEMPORAL_CLIENT) private readonly client: Client,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async read({ instance, requestId, value }: ActionRequest<ConsoleOutputValue>): Promise<{ output: string }> {
    const { uuid, host } = instance;
    // Nova's check_instance_host: a server never scheduled has no console to read.
    if (!host) throw conflict(`Instance ${uuid} is not ready`);
    try {
      const { output } = await this.client.workflow.execute<typeof consoleOutputWorkflow>(
        'consoleOutputWorkflow',
        {
          taskQueue: CONDUCTOR_TASK_QUEUE,
          workflowId: `console-${uuid}-${requestId}`,
          workflowExecutionTimeout: RUN_TIMEOUT,
          args: [{ instanceUuid: uuid, host, length: lineCount(value.length) }],
          typedSearchAttributes: [
            { key: SEARCH_ATTRIBUTES.InstanceUuid, value: uuid },
            { key: SEARCH_ATTRIBUTES.ProjectId, value: instance.projectId },
            { key: SEARCH_ATTRIBUTES.ComputeHost, value: host },
            { key: SEARCH_ATTRIBUTES.Operation, value: 'console_output' },
          ],
        },
      );
      return { output: printable(output) };
    } catch (error) {
      throw this.answerTo(error, uuid);
    }
  }

  /**
   * Nova's console_output.py answers: the guest gone from its host is the instance not found
   * (404), any other refusal of the driver is ConsoleNotAvailable (404). A host that did not
   * answer in time (Nova's RPC timeout, a 500 there) is a 409 here: the server is there, its
   * console is not reachable now, and the caller may try again.
   */
  private answerTo(error: unknown, uuid: string): unknown {
    if (!(error instanceof WorkflowFailedError)) return error;
    const cause = error.cause;
    const failure = cause instanceof ActivityFailure ? cause.cause : cause;
    if (!(failure instanceof ApplicationFailure) || failure.type !== FailureType.VIRT_DRIVER_ERROR) {
      this.logger.warn({ instanceUuid: uuid, err: error }, 'console output: the host did not answer');
      return conflict(`The host of instance ${uuid} did not answer; try again later.`);
    }
    const gone = instanceNotFound(uuid);
    if (failure.message === gone.message) return gone;
    this.logger.warn({ instanceUuid: uuid, reason: failure.message }, 'console output not available');
    return notFound('Guest does not have a console available.');
  }
}
