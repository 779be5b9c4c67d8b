import { sleep } from '../../../../common/sleep';
import { VirtDriverError } from '../driver';

/**
 * Faults the fake driver injects, configured only by tests through [fake_driver] fail_methods
 * ("spawn" or "compute2:spawn") and slow_methods ("spawn:3" or "compute2:spawn:3"), like Nova's
 * fake driver variants that fail the first spawn or finish_migration.
 */
export class FaultInjection {
  private readonly failing = new Set<string>();
  private readonly delays = new Map<string, number>();

  constructor(host: string, failMethods: string[], slowMethods: string[]) {
    for (const entry of failMethods) {
      const parts = entry.split(':');
      if (parts.length === 1 || parts[0] === host) this.failing.add(parts[parts.length - 1]);
    }
    for (const entry of slowMethods) {
      const parts = entry.split(':');
      const [method, seconds] = parts.slice(-2);
      if (parts.length === 2 || parts[0] === host) this.delays.set(method, Number(seconds) * 1000);
    }
  }

  /** Runs `work` as driver method `method` would run on this host, with its injected faults. */
  async around<T>(method: string, work: () => Promise<T>): Promise<T> {
    const delay = this.delayOf(method);
    if (delay) await sleep(delay);
    this.failIfInjected(method);
    return work();
  }

  /**
   * The milliseconds slow_methods gives `method` on this host (0: none), for a method that spends
   * them itself instead of sleeping them up front (the live-migration copy, which reports its
   * progress meanwhile) and then calls failIfInjected.
   */
  delayOf(method: string): number {
    return this.delays.get(method) ?? 0;
  }

  /** Throws the failure fail_methods injects into `method` on this host, if any. */
  failIfInjected(method: string): void {
    if (this.failing.has(method)) throw new VirtDriverError(`injected failure of ${method}`);
  }
}
