import { condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';
import {
  type AbortRequest,
  RUNBOOK_PROGRESS_QUERY,
  type RunbookInput,
  type RunbookProgress,
  type RunbookState,
} from '../../common/compute/runbooks';

export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const approveSignal = defineSignal('approve');
export const abortSignal = defineSignal<[AbortRequest?]>('abort');
export const progressQuery = defineQuery<RunbookProgress>(RUNBOOK_PROGRESS_QUERY);

/**
 * How an operator steers a runbook, and what it shows them. Pause holds it before its next move
 * (moves under way finish); approve lets the batch or the step it waits for go; abort starts no
 * more moves, lets those under way end, and ends the runbook. The progress query answers at any
 * time, from the same state the steps write.
 */
export class RunbookControl {
  readonly progress: RunbookProgress;
  private paused = false;
  private approvals = 0;
  private abortRequest: AbortRequest | undefined;
  /** What it waits for, shown while it waits. */
  private waitingFor: RunbookState | undefined;

  constructor(readonly input: RunbookInput) {
    this.progress = {
      runbook: input.runbook,
      host: input.host,
      state: 'running',
      step: 'starting',
      batches: { done: 0, total: 0 },
      instances: [],
    };
    setHandler(pauseSignal, () => void (this.paused = true));
    setHandler(resumeSignal, () => void (this.paused = false));
    setHandler(approveSignal, () => void this.approvals++);
    setHandler(abortSignal, (request) => void (this.abortRequest ??= request ?? {}));
    setHandler(progressQuery, () => this.snapshot());
  }

  get aborted(): boolean {
    return this.abortRequest !== undefined;
  }

  /** Whether an abort asks to enable again the host the runbook disabled (it does unless told not to). */
  get enableHostOnAbort(): boolean {
    return this.abortRequest?.enable_host ?? true;
  }

  /** The progress as the query shows it: paused, or what it waits for, over its running state. */
  snapshot(): RunbookProgress {
    const { state } = this.progress;
    const shown =
      state !== 'running' ? state : this.paused && !this.aborted ? 'paused' : (this.waitingFor ?? state);
    return {
      ...this.progress,
      state: shown,
      instances: this.progress.instances.map((entry) => ({ ...entry })),
    };
  }

  step(text: string): void {
    this.progress.step = text;
  }

  /** Waits while paused; false once aborted (the caller starts nothing more). */
  async mayProceed(): Promise<boolean> {
    await condition(() => !this.paused || this.aborted);
    return !this.aborted;
  }

  /**
   * Waits for an operator's approve (one approve lets one wait go; one sent early counts), or,
   * with a timeout, for that long; false once aborted.
   */
  async approval(state: RunbookState = 'awaiting-approval', timeoutMs?: number): Promise<boolean> {
    this.waitingFor = state;
    try {
      const approved = () => this.approvals > 0 || this.aborted;
      if (timeoutMs === undefined) await condition(approved);
      else await condition(approved, timeoutMs);
      if (this.aborted) return false;
      if (this.approvals > 0) this.approvals--;
      return this.mayProceed();
    } finally {
      this.waitingFor = undefined;
    }
  }

  /** Sleeps up to `ms`, woken early by an abort. */
  async pauseFor(ms: number): Promise<void> {
    await condition(() => this.aborted, ms);
  }

  finish(state: RunbookState, message?: string): void {
    this.progress.state = state;
    if (message) this.progress.message = message;
  }
}
