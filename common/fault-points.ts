import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { type ActivityInterceptorsFactory } from '@temporalio/worker';
import { sleep } from './sleep';

/** The operation of an operation's workflow id, `<operation>-<instance uuid>-<request id>`. */
const operationOf = (workflowId: string) =>
  /^(.+?)-[0-9a-f]{8}-[0-9a-f]{4}-/.exec(workflowId)?.[1] ?? workflowId;

/**
 * Takes the point if a test armed it (`<dir>/<point>.armed`, renamed atomically to `.reached`, so
 * one attempt in one process takes it), then waits until the test writes `<point>.release`. The
 * attempt keeps heartbeating meanwhile: it is held, not lost.
 */
async function pauseIfArmed(dir: string, point: string): Promise<void> {
  try {
    renameSync(join(dir, `${point}.armed`), join(dir, `${point}.reached`));
  } catch {
    return;
  }
  writeFileSync(join(dir, `${point}.pid`), String(process.pid));
  while (!existsSync(join(dir, `${point}.release`))) {
    try {
      Context.current().heartbeat();
    } catch {
      // A local activity has no heartbeat of its own: its workflow task is kept alive instead.
    }
    await sleep(100);
  }
}

/**
 * The same hook for a phase of a process outside any activity (`api.relayLaunches.before`: the
 * API has answered and starts nothing until the test releases it).
 */
export async function faultPoint(point: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (env.NOVAFLOW_PAUSE_DIR) await pauseIfArmed(env.NOVAFLOW_PAUSE_DIR, point);
}

/**
 * A test-only fault hook, beside crash-points.ts: with NOVAFLOW_PAUSE_DIR=<dir>, an activity
 * attempt at a point a test armed waits there, so that the test can kill any process (this one,
 * Temporal, PostgreSQL) while an operation is held in exactly that phase. A point is
 * `<operation>.<activity type>.before` (the attempt has done nothing yet) or `.after` (it has done
 * its work, and Temporal does not know it), the operation read from the workflow id (confirm and
 * revert run in the resize's workflow: `resize.confirmMigration.after`).
 */
export function faultPointInterceptors(env: NodeJS.ProcessEnv = process.env): ActivityInterceptorsFactory[] {
  const dir = env.NOVAFLOW_PAUSE_DIR;
  if (!dir) return [];
  return [
    () => ({
      inbound: {
        async execute(input, next) {
          const { workflowExecution, activityType } = Context.current().info;
          const point = `${operationOf(workflowExecution?.workflowId ?? '')}.${activityType}`;
          await pauseIfArmed(dir, `${point}.before`);
          const result = await next(input);
          await pauseIfArmed(dir, `${point}.after`);
          return result;
        },
      },
    }),
  ];
}
