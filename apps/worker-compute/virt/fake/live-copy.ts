import { LiveMigrationAborted, type LiveMigrationControl, type LiveMigrationProgress } from '../driver';

/** How often a copy advances and reports its progress. */
export const TICK_MS = 250;
const BYTES_PER_MB = 1024 * 1024;

/** What the copy asks of the driver that runs it. */
export interface LiveCopyHooks {
  /** Once, when the copy is forced to converge: the guest pauses for the last pass, as on libvirt. */
  onForceComplete(): void;
  /** Before every tick; throws to end the copy (the guest was destroyed meanwhile). */
  beforeTick(): void;
  /** Once all memory is copied, before the switch-over; throws to fail it (an injected failure). */
  beforeSwitchOver(): void;
}

/**
 * The fake copy of a running guest's memory to another host, as libvirt's migration job: it takes
 * `durationMs` (0: one tick), shared storage so no disk is copied, reports its progress to every
 * caller attached to it, and converges at once when forced. It stops when every attached caller
 * has aborted: a retried liveMigrate joins the copy its earlier attempt started, and that attempt
 * being given up (its signal aborted by a timeout) must not abort the copy the retry waits for.
 */
export class LiveCopy {
  readonly done: Promise<void>;
  private readonly memoryTotal: number;
  private readonly controls: LiveMigrationControl[] = [];
  private forced = false;
  private wake: (() => void) | undefined;
  private lastProgress: LiveMigrationProgress | undefined;

  constructor(
    private readonly instanceUuid: string,
    memoryMb: number,
    private readonly durationMs: number,
    private readonly hooks: LiveCopyHooks,
    control: LiveMigrationControl,
  ) {
    this.memoryTotal = memoryMb * BYTES_PER_MB;
    this.attach(control);
    this.done = this.run();
  }

  /** The last progress reported, for a retried call that finds the copy already done. */
  get progress(): LiveMigrationProgress | undefined {
    return this.lastProgress;
  }

  /** One more caller waits for this copy, gets its progress and may abort it or force it. */
  attach(control: LiveMigrationControl): void {
    this.controls.push(control);
    control.signal.addEventListener('abort', () => this.wake?.(), { once: true });
    if (control.forceComplete) this.forceComplete();
  }

  /** The copy converges at its next tick, which comes now. Forcing it twice is forcing it once. */
  forceComplete(): void {
    if (this.forced) return;
    this.forced = true;
    this.hooks.onForceComplete();
    this.wake?.();
  }

  private async run(): Promise<void> {
    const started = Date.now();
    for (;;) {
      if (this.controls.every((control) => control.signal.aborted)) {
        throw new LiveMigrationAborted(this.instanceUuid);
      }
      this.hooks.beforeTick();
      const elapsed = Date.now() - started;
      if (this.forced || elapsed >= this.durationMs) {
        this.hooks.beforeSwitchOver();
        this.report(this.memoryTotal);
        return;
      }
      this.report(Math.floor((this.memoryTotal * elapsed) / this.durationMs));
      await this.sleep(Math.min(TICK_MS, this.durationMs - elapsed));
    }
  }

  private report(memoryProcessed: number): void {
    const progress: LiveMigrationProgress = {
      memoryTotal: this.memoryTotal,
      memoryProcessed,
      memoryRemaining: this.memoryTotal - memoryProcessed,
      diskTotal: 0,
      diskProcessed: 0,
      diskRemaining: 0,
    };
    this.lastProgress = progress;
    for (const control of this.controls) {
      if (!control.signal.aborted) control.onProgress(progress);
    }
  }

  /** Waits `ms`, or less when woken by an abort or a force-complete. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.wake = finish;
    });
  }
}
