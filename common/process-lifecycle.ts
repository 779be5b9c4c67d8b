import { type Logger } from './logger';

/**
 * Runs `stop` once when the process is asked to end: SIGINT, SIGTERM, or the supervisor's IPC
 * channel closing (the supervisor died), so no child outlives `npm start`.
 */
export function onShutdown(logger: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const shutdown = (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took longer than 20 s; exiting');
      process.exit(1);
    }, 20_000);
    force.unref();
    stop()
      .then(() => process.exit(0))
      .catch((error: Error) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  if (process.send) process.on('disconnect', () => shutdown('supervisor gone'));
}

/** Logs a fatal start-up error (a configuration error without a stack) and exits non-zero. */
export function exitOnStartupError(logger: Logger, error: unknown): never {
  if (error instanceof Error && error.name === 'ConfigError') {
    logger.fatal(error.message);
  } else {
    logger.fatal({ err: error }, 'start-up failed');
  }
  process.exit(1);
}
