import { type HostFilter } from './host-filter';

/** The different_host hint: only hosts that run none of the named instances. */
export const DifferentHostFilter: HostFilter = {
  name: 'DifferentHostFilter',
  hostPasses: (host, { differentHost }) => !differentHost.includes(host.host),
};
