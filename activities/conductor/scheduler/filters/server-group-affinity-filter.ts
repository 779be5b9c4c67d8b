import { type HostFilter } from './host-filter';

/** Members of an affinity group go to the host the others are on (any host for the first). */
export const ServerGroupAffinityFilter: HostFilter = {
  name: 'ServerGroupAffinityFilter',
  hostPasses: (host, { group }) =>
    group?.policy !== 'affinity' || group.memberHosts.every((memberHost) => memberHost === host.host),
};
