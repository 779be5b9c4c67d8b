import { free } from '../host-state';
import { type HostWeigher } from './host-weigher';

/** Free disk. */
export const DiskWeigher: HostWeigher = {
  name: 'DiskWeigher',
  multiplier: (config) => config.filter_scheduler.disk_weight_multiplier,
  weigh: (host) => free(host.diskGb),
};
