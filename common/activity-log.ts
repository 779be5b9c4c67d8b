import { type ActivityInterceptorsFactory } from '@temporalio/worker';
import { type Logger } from './logger';

/**
 * A worker interceptor that logs each activity attempt's end, as nova-compute's "Took 2.3
 * seconds to spawn the instance": one JSON line with its outcome and seconds; the logger adds
 * the workflow id, run, activity and attempt. A success at `level` (debug for the conductor's
 * many short steps, info for a host's), a failure as a warning.
 */
export function activityLog(logger: Logger, level: 'debug' | 'info'): ActivityInterceptorsFactory {
  return () => ({
    inbound: {
      async execute(input, next) {
        const startedAt = process.hrtime.bigint();
        const seconds = () => Number(process.hrtime.bigint() - startedAt) / 1e9;
        try {
          const result = await next(input);
          logger[level]({ outcome: 'completed', seconds: seconds() }, 'activity completed');
          return result;
        } catch (error) {
          logger.warn({ outcome: 'failed', seconds: seconds(), err: error }, 'activity failed');
          throw error;
        }
      },
    },
  });
}
