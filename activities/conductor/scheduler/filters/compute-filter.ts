import { type HostFilter } from './host-filter';

/** Only hosts whose compute service is up and enabled can take instances. */
export const ComputeFilter: HostFilter = {
  name: 'ComputeFilter',
  hostPasses: (host) => host.serviceUp && !host.serviceDisabled,
};
