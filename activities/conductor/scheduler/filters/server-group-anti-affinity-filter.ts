import { type HostFilter } from './host-filter';

/** Members of an anti-affinity group go to different hosts (at most max_server_per_host each). */
export const ServerGroupAntiAffinityFilter: HostFilter = {
  name: 'ServerGroupAntiAffinityFilter',
  hostPasses: (host, { group }) => {
    if (group?.policy !== 'anti-affinity') return true;
    const onHost = group.memberHosts.filter((memberHost) => memberHost === host.host).length;
    return onHost < (group.maxServerPerHost ?? 1);
  },
};
