import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
import { type Logger } from './logger';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/** Expected on compute queues, which carry activities only. */
const EXPECTED_WARNINGS = ['No workflows registered, not polling for workflow tasks'];

/**
 * Routes the Temporal SDK's warnings and errors into the process logger, and leaves signals to
 * the process (onShutdown), which stops its workers in order. With `metricsAddress` (host:port)
 * the SDK serves Prometheus metrics at http://<address>/metrics: its own (workflow and activity
 * latencies, task slots, polls) and those Novaflow's workflows and activities record through it.
 */
export function installTemporalRuntime(logger: Logger, metricsAddress?: string): void {
  Runtime.install({
    shutdownSignals: [],
    ...(metricsAddress && { telemetryOptions: { metrics: { prometheus: { bindAddress: metricsAddress } } } }),
    logger: new DefaultLogger('WARN', ({ level, message, meta }) => {
      if (EXPECTED_WARNINGS.includes(message)) return;
      logger[LEVELS[level]]({ temporal: true, ...meta }, message);
    }),
  });
}
