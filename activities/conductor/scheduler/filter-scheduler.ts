import { type Config } from '../../../common/config';
import { type Logger } from '../../../common/logger';
import { enabledFilters } from './filters';
import { hasRoom, type HostState } from './host-state';
import { type SchedulingRequest } from './scheduling-request';
import { weighHosts } from './weighers';

export interface Selection {
  /** Best host first; the rest are alternates, tried in order if the first fails. */
  hosts: HostState[];
  /** Why there is no host, for the fault and the log, when `hosts` is empty. */
  rejections: string[];
}

/**
 * Nova's FilterScheduler over placement-style candidates: nodes with room (allocation ratios
 * applied), then the enabled filters, then weighers; the first host is a random pick among the
 * best host_subset_size, and up to max_attempts - 1 alternates follow by weight.
 */
export function selectHosts(
  candidates: HostState[],
  request: SchedulingRequest,
  config: Config,
  logger?: Logger,
  random: () => number = Math.random,
): Selection {
  const rejections: string[] = [];
  let hosts = candidates.filter((host) => hasRoom(host, request.resources));
  if (hosts.length < candidates.length) {
    rejections.push(`placement: ${candidates.length - hosts.length} of ${candidates.length} nodes lack room`);
  }
  for (const filter of enabledFilters(config.filter_scheduler.enabled_filters)) {
    const passed = hosts.filter((host) => {
      const passes = filter.hostPasses(host, request);
      if (!passes)
        logger?.debug(
          { host: host.host, filter: filter.name, instance: request.instanceUuid },
          'host rejected',
        );
      return passes;
    });
    if (passed.length < hosts.length)
      rejections.push(`${filter.name} rejected ${hosts.length - passed.length}`);
    hosts = passed;
    if (hosts.length === 0) return { hosts: [], rejections };
  }
  const weighed = weighHosts(hosts, request, config).sort((a, b) => b.weight - a.weight);
  const subset = Math.min(config.filter_scheduler.host_subset_size, weighed.length);
  const chosen = weighed.splice(Math.floor(random() * subset), 1)[0];
  const alternates = weighed.slice(0, config.scheduler.max_attempts - 1);
  return { hosts: [chosen.host, ...alternates.map(({ host }) => host)], rejections };
}
