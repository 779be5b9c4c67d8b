import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  WorkflowHandle,
  WorkflowHandleWithFirstExecutionRunId,
  WorkflowStartOptions,
} from '@temporalio/client';
import type { Workflow } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { projectRoot } from '../../../common/paths';
import { CONDUCTOR_TASK_QUEUE, computeTaskQueue } from '../../../common/task-queues';
import { historyToJSON } from '../../replay/history-json';
import { bundleWorkflows, createTestEnvironment } from './environment';
import { type ConductorFakes, type HostFakes, Journal } from './fakes';

/** The fakes one test runs with: the conductor's, and those of each fake compute host. */
export interface Fleet {
  conductor: ConductorFakes;
  hosts?: Record<string, HostFakes>;
}

export const HISTORIES_DIR = join(projectRoot(), 'test', 'replay', 'histories');

/** A test file's Temporal server and workflow bundle, and the workers each test runs on them. */
export class Testbed {
  private constructor(
    readonly env: TestWorkflowEnvironment,
    private readonly bundle: WorkflowBundle,
  ) {}

  static async create(): Promise<Testbed> {
    const [env, bundle] = await Promise.all([createTestEnvironment(), bundleWorkflows()]);
    return new Testbed(env, bundle);
  }

  get client() {
    return this.env.client;
  }

  /** Starts a workflow on the conductor queue, as the API does. */
  start<W extends Workflow>(
    workflowType: string,
    workflowId: string,
    ...args: Parameters<W>
  ): Promise<WorkflowHandleWithFirstExecutionRunId<W>> {
    // WorkflowStartOptions<W> is conditional on W's parameters, which TypeScript cannot resolve for a generic W.
    const options = {
      taskQueue: CONDUCTOR_TASK_QUEUE,
      workflowId,
      args,
    } as unknown as WorkflowStartOptions<W>;
    return this.client.workflow.start<W>(workflowType, options);
  }

  /**
   * Runs `body` while a conductor worker (every workflow, the conductor fakes as its activities:
   * local activities resolve from the same worker) and one worker per fake host poll.
   */
  async run<T>(fleet: Fleet, body: (journal: Journal) => Promise<T>): Promise<T> {
    const journal = new Journal();
    const connection = this.env.nativeConnection;
    const conductor = await Worker.create({
      connection,
      taskQueue: CONDUCTOR_TASK_QUEUE,
      workflowBundle: this.bundle,
      activities: journal.record('conductor', fleet.conductor),
    });
    const hosts = await Promise.all(
      Object.entries(fleet.hosts ?? {}).map(([host, fakes]) =>
        Worker.create({
          connection,
          taskQueue: computeTaskQueue(host),
          activities: journal.record(host, fakes),
          // A cancellation reaches an activity only in a heartbeat's answer: don't hold heartbeats back.
          maxHeartbeatThrottleInterval: '50 milliseconds',
        }),
      ),
    );
    const runAll = [conductor, ...hosts].reduce<() => Promise<T>>(
      (inner, worker) => () => worker.runUntil(inner),
      () => body(journal),
    );
    return runAll();
  }

  async teardown(): Promise<void> {
    await this.env?.teardown();
  }
}

/** A request on an instance (a fresh one by default), and the workflow id the API would give it. */
export function newOperation(operation: string, instanceUuid: string = randomUUID()) {
  const requestId = `req-${randomUUID()}`;
  return { instanceUuid, requestId, workflowId: `${operation}-${instanceUuid}-${requestId}` };
}

/**
 * With RECORD_HISTORIES=1 (`npm run record:histories`), writes the workflow's history for the
 * replay test, formatted as Prettier would (the lint checks JSON too).
 */
export async function recordHistory(name: string, handle: WorkflowHandle): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  const file = join(HISTORIES_DIR, `${name}.json`);
  await writeFile(file, historyToJSON(await handle.fetchHistory()));
  // Prettier's API is ESM, which jest's CommonJS sandbox cannot import: its CLI then.
  execFileSync(join(projectRoot(), 'node_modules', '.bin', 'prettier'), [
    '--write',
    '--log-level',
    'warn',
    file,
  ]);
}
