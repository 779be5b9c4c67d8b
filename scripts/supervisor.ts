import { type ChildProcess, fork } from 'node:child_process';
import { prefixLines } from './log-prefixer';
import { sleep } from './net';
import { stopChild } from './temporal-server';

export interface ChildSpec {
  name: string;
  script: string;
  args?: string[];
  env: NodeJS.ProcessEnv;
  /** Resolves when the child may start (a compute worker waits for its host's libvirtd). */
  startWhen?: () => Promise<void>;
}

const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 30_000;
/** A child that ran this long before crashing starts over from the first backoff. */
const HEALTHY_RUN_MS = 60_000;

/**
 * Runs Novaflow's Node processes: prefixes their logs, restarts a crashed one with exponential
 * backoff (and says so), and stops them all on request. Each child has an IPC channel, so it
 * also stops by itself if this process dies without cleaning up.
 */
export class Supervisor {
  private readonly children = new Map<string, ChildProcess>();
  private stopping = false;
  private readonly width: number;

  constructor(
    private readonly specs: ChildSpec[],
    private readonly log: (line: string) => void,
  ) {
    this.width = Math.max(...specs.map((spec) => spec.name.length), 'supervisor'.length);
  }

  start(): void {
    for (const spec of this.specs) void this.keepRunning(spec);
  }

  private async keepRunning(spec: ChildSpec): Promise<void> {
    let backoff = FIRST_BACKOFF_MS;
    let restarts = 0;
    await spec.startWhen?.();
    while (!this.stopping) {
      const startedAt = Date.now();
      const child = fork(spec.script, spec.args ?? [], {
        env: spec.env,
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        // Own process group: a terminal's Ctrl-C reaches the supervisor, which stops children in order.
        detached: true,
      });
      this.children.set(spec.name, child);
      prefixLines(spec.name, child.stdout!, this.width);
      prefixLines(spec.name, child.stderr!, this.width);
      const how = await new Promise<string>((resolve) =>
        child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `code ${code}`)),
      );
      this.children.delete(spec.name);
      if (this.stopping) return;
      if (Date.now() - startedAt > HEALTHY_RUN_MS) backoff = FIRST_BACKOFF_MS;
      restarts += 1;
      this.log(`${spec.name} exited with ${how}; restarting in ${backoff / 1000} s (restart ${restarts})`);
      await sleep(backoff);
      backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.children.values()].map((child) => stopChild(child, 20_000)));
  }
}
