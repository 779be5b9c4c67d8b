import { type HostState } from '../host-state';

/**
 * Nova's aggregate_metadata_get_by_host: every value of every key over the host's aggregates
 * (comma-separated values split), only of aggregates that have `key` when one is given.
 */
export function aggregateMetadataOf(host: HostState, key?: string): Map<string, Set<string>> {
  const metadata = new Map<string, Set<string>>();
  for (const aggregate of host.aggregates ?? []) {
    if (key !== undefined && !(key in aggregate)) continue;
    for (const [name, value] of Object.entries(aggregate)) {
      const values = metadata.get(name) ?? new Set<string>();
      for (const part of value.split(',')) values.add(part.trim());
      metadata.set(name, values);
    }
  }
  return metadata;
}
