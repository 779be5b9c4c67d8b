import { type Logger } from '../../../common/logger';

/**
 * Housekeeping an API process runs every `intervalMs` (and once at start when asked): a pass
 * never overlaps the previous one, a failure is logged and the next pass tries again, and the
 * timer keeps no process alive.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly name: string,
    private readonly intervalMs: number,
    private readonly work: () => Promise<void>,
    private readonly logger: Logger,
  ) {}

  /** Starts the timer; resolves after a first pass when `runNow`. */
  async start(options: { runNow?: boolean } = {}): Promise<void> {
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
    if (options.runNow) await this.runOnce();
  }

  runOnce(): Promise<void> {
    this.running ??= this.work()
      .catch((error: unknown) =>
        this.logger.warn({ err: error }, `${this.name} failed; the next pass tries again`),
      )
      .finally(() => (this.running = undefined));
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }
}
