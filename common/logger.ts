import pino, { type Logger } from 'pino';

import { currentActivity } from './activity-context';

export type { Logger };

/** Inside an activity, the workflow and activity it serves: every line logged there says so. */
function activityContext(): Record<string, unknown> {
  const info = currentActivity()?.info;
  if (!info) return {};
  return {
    workflow_id: info.workflowExecution?.workflowId,
    run_id: info.workflowExecution?.runId,
    activity: info.activityType,
    attempt: info.attempt,
  };
}

/**
 * One JSON logger per process, named after the process. Each line carries the workflow id (and
 * run, activity, attempt) when logged from an activity, and what `mixin` adds (the API's request
 * id). The supervisor of `npm start` pretty-prints these lines.
 */
export function createLogger(name: string, mixin?: () => Record<string, unknown>): Logger {
  return pino({
    name,
    level: process.env.NOVAFLOW_LOG_LEVEL || 'info',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin: () => ({ ...activityContext(), ...mixin?.() }),
  });
}
