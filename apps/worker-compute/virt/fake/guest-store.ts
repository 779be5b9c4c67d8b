import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** How soon after a change the state is written: changes in one burst are written once. */
const WRITE_DELAY_MS = 20;

/**
 * Where a fake hypervisor keeps its guests, so that they outlive its compute worker as guests
 * outlive nova-compute on a real host. Writes are atomic (a temporary file renamed) and follow a
 * change within milliseconds: a worker killed in between loses that last change, as a real host
 * may, and the host reports and the drivers' idempotence mend it.
 */
export class GuestStore<T> {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly file: string) {}

  /** What the last write left; empty for a host that never ran, or a file that cannot be read. */
  load(): Map<string, T> {
    try {
      return new Map(Object.entries(JSON.parse(readFileSync(this.file, 'utf8')) as Record<string, T>));
    } catch {
      return new Map();
    }
  }

  /** Writes `entries` soon; later calls before then write their newer state instead. */
  save(entries: () => Map<string, T>): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      mkdirSync(dirname(this.file), { recursive: true });
      const partial = `${this.file}.${process.pid}.tmp`;
      writeFileSync(partial, JSON.stringify(Object.fromEntries(entries())));
      renameSync(partial, this.file);
    }, WRITE_DELAY_MS);
    this.timer.unref();
  }
}
