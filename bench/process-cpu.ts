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
 * A PostgreSQL backend's part: the real Temporal server's own databases (`temporal`,
 * `temporal_visibility`, named in the backend's title `postgres: <user> <database> ...`) apart from
 * Novaflow's, since on the real server one PostgreSQL holds both.
 */
function backendPart(commandLine: string): string {
  return /^postgres: \S+ temporal(_visibility)? /.test(commandLine) ? 'postgresql (temporal)' : 'postgresql';
}

/** The CPU seconds (user + system) each process of a stack's parts has used so far, by pid. */
export type CpuReading = Map<number, { part: string; seconds: number }>;

/**
 * Reads, from /proc on Linux, the CPU each process of a local stack has used so far: where a
 * benchmark's time goes on a machine whose cores the parts share. PostgreSQL backends are found by
 * their parent, the postmaster whose data directory is under `scratch`.
 */
export function cpuByPart(scratch: string): CpuReading {
  const parents = new Map<number, number>();
  const stats = new Map<number, { part?: string; seconds: number; commandLine: string }>();
  for (const entry of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ');
      parents.set(Number(entry), Number(fields[1]));
      const seconds = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
      stats.set(Number(entry), { part: partOf(commandLine, scratch), seconds, commandLine });
    } catch {
      // The process ended while we read it.
    }
  }
  const reading: CpuReading = new Map();
  for (const [pid, { part, seconds, commandLine }] of stats) {
    const parentPart = stats.get(parents.get(pid) ?? 0)?.part;
    const owner = part ?? (parentPart === 'postgresql' ? backendPart(commandLine) : undefined);
    if (owner) reading.set(pid, { part: owner, seconds });
  }
  return reading;
}

/**
 * The CPU seconds each part used between two readings, summed over the processes alive at the
 * second (one that started since counts whole; one that ended in between, a PostgreSQL backend
 * whose connection closed, is not counted: its time is lost to /proc, not taken off the part).
 */
export function cpuSpent(before: CpuReading, after: CpuReading): Map<string, number> {
  const spent = new Map<string, number>();
  for (const [pid, { part, seconds }] of after) {
    const earlier = before.get(pid);
    const used = earlier?.part === part ? seconds - earlier.seconds : seconds;
    spent.set(part, (spent.get(part) ?? 0) + used);
  }
  return spent;
}

/** The CPU seconds each part used between two readings, as one line. */
export function cpuBetween(before: CpuReading, after: CpuReading): string {
  return [...cpuSpent(before, after)]
    .sort((a, b) => b[1] - a[1])
    .map(([part, seconds]) => `${part} ${seconds.toFixed(1)} s`)
    .join(', ');
}
