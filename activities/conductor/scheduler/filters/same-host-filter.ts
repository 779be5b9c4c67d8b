import { type HostFilter } from './host-filter';

/** The same_host hint: only hosts that run every named instance. */
export const SameHostFilter: HostFilter = {
  name: 'SameHostFilter',
  hostPasses: (host, { sameHost }) => sameHost.every((other) => other === host.host),
};
