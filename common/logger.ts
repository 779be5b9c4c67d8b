import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * One JSON logger per process, named after the process. `mixin` adds per-call context (the API
 * uses it for the request id). The supervisor of `npm start` pretty-prints these lines.
 */
export function createLogger(name: string, mixin?: () => Record<string, unknown>): Logger {
  return pino({
    name,
    level: process.env.NOVAFLOW_LOG_LEVEL || 'info',
    base: { pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    mixin,
  });
}
