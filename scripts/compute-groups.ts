/** The local cloud runs its fake hosts in at most this many compute worker processes. */
export const MAX_COMPUTE_PROCESSES = 4;

export interface ComputeGroup {
  /** The process's name: its host's when it serves one, else its first and last host's. */
  name: string;
  hosts: string[];
}

/**
 * Spreads `hosts` evenly over at most `maxProcesses` processes, in order: three hosts run as three
 * processes (one each, as a real cloud's hosts do), a thousand as four of 250.
 */
export function computeGroups(hosts: string[], maxProcesses = MAX_COMPUTE_PROCESSES): ComputeGroup[] {
  const count = Math.min(hosts.length, maxProcesses);
  return Array.from({ length: count }, (_, i) => {
    const group = hosts.slice(
      Math.floor((i * hosts.length) / count),
      Math.floor(((i + 1) * hosts.length) / count),
    );
    return { name: group.length === 1 ? group[0] : `${group[0]}..${group.at(-1)}`, hosts: group };
  });
}
