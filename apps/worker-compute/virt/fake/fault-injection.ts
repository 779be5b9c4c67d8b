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
    const delay = this.delays.get(method);
    if (delay) await sleep(delay);
    if (this.failing.has(method)) throw new VirtDriverError(`injected failure of ${method}`);
    return work();
  }
}
