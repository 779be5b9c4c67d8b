import { Context } from '@temporalio/activity';
import { type ActivityInterceptorsFactory } from '@temporalio/worker';

const HEARTBEAT_EVERY_MS = 2000;

/**
 * Holds every activity a restarted host takes until its startup cleanup is done (the stale guests
 * the conductor names destroyed), heartbeating meanwhile. The host polls from its first moment:
 * a step of an operation whose guest is here waits for a host that is coming back instead of
 * failing its schedule-to-start timeout while the startup report waits on a busy conductor.
 */
export class StartupGate {
  private open!: () => void;
  private readonly opened = new Promise<void>((resolve) => (this.open = resolve));

  /** Lets the held activities and every later one run. */
  openNow(): void {
    this.open();
  }

  interceptors(): ActivityInterceptorsFactory {
    return () => ({
      inbound: {
        execute: async (input, next) => {
          const context = Context.current();
          const beat = setInterval(() => context.heartbeat(), HEARTBEAT_EVERY_MS);
          try {
            await this.opened;
          } finally {
            clearInterval(beat);
          }
          return next(input);
        },
      },
    });
  }
}
