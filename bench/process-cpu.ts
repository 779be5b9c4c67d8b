import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100;

/** Which part of the stack a process is, by its command line; undefined for everything else. */
function partOf(commandLine: string, scratch: string): string | undefined {
  if (!commandLine.includes(scratch) && !commandLine.includes('dist/apps/')) return undefined;
  if (commandLine.includes('temporal') && commandLine.includes('start-dev')) return 'temporal server';
  if (commandLine.includes('temporal-server.yaml')) return 'temporal server';
  if (commandLine.includes('postgres') && commandLine.includes(scratch)) return 'postgresql';
  if (commandLine.includes('dist/apps/api/')) return 'api';
  if (commandLine.includes('dist/apps/conductor/')) return 'conductor';
  if (commandLine.includes('dist/apps/worker-compute/')) return 'compute hosts';
  return undefined;
}

/**
 * CPU seconds (user + system) used so far by each part of a local stack, read from /proc on Linux:
 * where a benchmark's time goes on a machine whose cores the parts share. PostgreSQL backends are
 * found by their parent, the postmaster whose data directory is under `scratch`.
 */
export function cpuByPart(scratch: string): Map<string, number> {
  const totals = new Map<string, number>();
  const parents = new Map<number, number>();
  const stats = new Map<number, { part?: string; seconds: number }>();
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
      parents.set(Number(entry), Number(fields[1]));
      const seconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
      stats.set(Number(entry), { part: partOf(commandLine, scratch), seconds });
    } catch {
      // The process ended while we read it.
    }
  }
  for (const [pid, { part, seconds }] of stats) {
    const parentPart = stats.get(parents.get(pid) ?? 0)?.part;
    const owner = part ?? (parentPart === 'postgresql' ? 'postgresql' : undefined);
    if (owner) totals.set(owner, (totals.get(owner) ?? 0) + seconds);
  }
  return totals;
}

/** The CPU seconds each part used between two readings, as one line. */
export function cpuBetween(before: Map<string, number>, after: Map<string, number>): string {
  return [...after]
    .map(([part, seconds]) => [part, seconds - (before.get(part) ?? 0)] as const)
    .sort((a, b) => b[1] - a[1])
    .map(([part, seconds]) => `${part} ${seconds.toFixed(1)} s`)
    .join(', ');
}
