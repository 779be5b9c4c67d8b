import { PowerState } from '../../../../common/power-state';
import { sleep } from '../../../../common/sleep';
import { LiveMigrationAborted, type LiveMigrationControl, type LiveMigrationProgress } from '../driver';
import { powerStateOf } from './domain-states';
import { type Virsh } from './virsh';

/** How often the job's progress is read from libvirt while the copy runs. */
const POLL_MS = 500;
/** Longest one live migration may take before virsh gives up on it. */
const MIGRATION_TIMEOUT_MS = 6 * 3600_000;

export interface MigrationTarget {
  /** The destination daemon's URI ([libvirt] live_migration_uri with its host). */
  destUri: string;
  /** The domain XML the destination prepared (its own paths). */
  destXml: string;
  /** The address the migration streams go to ([libvirt] live_migration_inbound_addr); empty: libvirt's choice. */
  inboundAddress: string;
}

/** `virsh domjobinfo --rawstats` lines ("memory_total: 268435456") as the progress of a migration. */
export function parseJobStats(text: string): LiveMigrationProgress | undefined {
  const stats = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^\s*(\w+)\s*[:=]\s*(\d+)/.exec(line);
    if (match) stats.set(match[1], Number(match[2]));
  }
  if (!stats.has('memory_total')) return undefined;
  const get = (name: string) => stats.get(name) ?? 0;
  return {
    memoryTotal: get('memory_total'),
    memoryProcessed: get('memory_processed'),
    memoryRemaining: get('memory_remaining'),
    diskTotal: get('disk_total'),
    diskProcessed: get('disk_processed'),
    diskRemaining: get('disk_remaining'),
  };
}

/**
 * The virsh command of a live migration with incremental block copy: the guest defined on the
 * destination (from the XML it prepared) and undefined here once it runs there.
 */
export function migrateCommand(
  instanceUuid: string,
  { destUri, destXml, inboundAddress }: MigrationTarget,
): string[] {
  const args = [
    'migrate',
    '--live',
    '--persistent',
    '--undefinesource',
    '--copy-storage-inc',
    '--xml',
    destXml,
    instanceUuid,
    destUri,
  ];
  if (!inboundAddress) return args;
  return [
    ...args,
    '--migrateuri',
    `tcp://${inboundAddress}`,
    '--listen-address',
    inboundAddress,
    '--disks-uri',
    `tcp://${inboundAddress}`,
  ];
}

/** libvirt's VIR_DOMAIN_JOB_OPERATION_MIGRATION_OUT, as domjobinfo --rawstats prints it. */
const MIGRATION_OUT = 5;

/** Whether domjobinfo --rawstats shows an outgoing migration running (job type 0 is none). */
export function isMigrationRunning(text: string): boolean {
  const type = Number(/^\s*Job type:\s*(\d+)/m.exec(text)?.[1] ?? 0);
  const operation = Number(/^\s*operation:\s*(\d+)/m.exec(text)?.[1] ?? 0);
  return type !== 0 && operation === MIGRATION_OUT;
}

/**
 * Waits out a migration of the guest that libvirt runs but no job of this process started: the
 * copy a compute worker began before it was killed goes on in libvirt, and must not be started a
 * second time. Its progress is reported meanwhile; an abort stops it.
 */
export async function awaitOrphanedMigration(
  virsh: Virsh,
  instanceUuid: string,
  control: LiveMigrationControl,
): Promise<void> {
  let abortSent = false;
  for (;;) {
    const stats = await virsh.onDomain(['domjobinfo', instanceUuid, '--rawstats']);
    if (stats === undefined || !isMigrationRunning(stats)) break;
    const progress = parseJobStats(stats);
    if (progress) control.onProgress(progress);
    if (control.signal.aborted && !abortSent) {
      abortSent = true;
      await virsh.onDomain(['domjobabort', instanceUuid]).catch(() => undefined);
    }
    await sleep(POLL_MS);
  }
  if (abortSent) throw new LiveMigrationAborted(instanceUuid);
}

/**
 * One live migration out of this host, as Nova's libvirt driver runs it: the copy (libvirt's
 * migration with incremental block copy) watched every half second for progress, aborted on
 * request (libvirt's job abort; the guest stays here as it was), forced to converge by pausing.
 */
export class LiveMigrationJob {
  private readonly controls = new Set<LiveMigrationControl>();
  private done: Promise<void> | undefined;
  private aborted = false;
  /** The guest ran and the job paused it to converge: an aborted copy resumes it. */
  private pausedToConverge = false;

  constructor(
    private readonly virsh: Virsh,
    private readonly instanceUuid: string,
    private readonly target: MigrationTarget,
  ) {}

  /** Runs the copy, reporting to control; resolves once the guest runs on the destination. */
  run(control: LiveMigrationControl): Promise<void> {
    // Aborted before it began: nothing to stop, and nothing may start.
    if (control.signal.aborted) return Promise.reject(new LiveMigrationAborted(this.instanceUuid));
    this.done ??= this.copy();
    return this.join(control);
  }

  /** Attaches one more caller (a retried activity) to the copy already running. */
  join(control: LiveMigrationControl): Promise<void> {
    this.controls.add(control);
    const onAbort = () => void this.abort();
    control.signal.addEventListener('abort', onAbort, { once: true });
    if (control.signal.aborted) onAbort();
    if (control.forceComplete) void this.forceComplete();
    return this.done!.finally(() => {
      this.controls.delete(control);
      control.signal.removeEventListener('abort', onAbort);
    });
  }

  /** Pauses a running guest so that the copy converges (Nova's live_migration_force_complete). */
  async forceComplete(): Promise<void> {
    const state = await this.virsh.onDomain(['domstate', this.instanceUuid]);
    if (state === undefined || powerStateOf(state) !== PowerState.RUNNING) return;
    await this.virsh.run(['suspend', this.instanceUuid]);
    this.pausedToConverge = true;
  }

  /** Stops the copy; the migration then fails with LiveMigrationAborted and the guest stays here. */
  async abort(): Promise<void> {
    if (this.aborted) return;
    this.aborted = true;
    await this.virsh.onDomain(['domjobabort', this.instanceUuid]).catch(() => undefined);
    await this.done?.catch(() => undefined);
  }

  private async copy(): Promise<void> {
    let finished = false;
    const args = migrateCommand(this.instanceUuid, this.target);
    const migration = this.virsh.run(args, { timeoutMs: MIGRATION_TIMEOUT_MS }).finally(() => {
      finished = true;
    });
    const watching = (async () => {
      while (!finished) {
        await sleep(POLL_MS);
        const stats = await this.virsh
          .onDomain(['domjobinfo', this.instanceUuid, '--rawstats'])
          .catch(() => undefined);
        const progress = stats && parseJobStats(stats);
        if (progress && !finished) for (const control of this.controls) control.onProgress(progress);
      }
    })();
    try {
      await migration;
    } catch (error) {
      // The guest stays here, running again if the job paused it.
      if (this.pausedToConverge)
        await this.virsh.onDomain(['resume', this.instanceUuid]).catch(() => undefined);
      throw this.aborted ? new LiveMigrationAborted(this.instanceUuid) : error;
    } finally {
      await watching;
    }
  }
}
