import { free } from '../host-state';
import { type HostWeigher } from './host-weigher';

/** Free vCPUs. */
export const CPUWeigher: HostWeigher = {
  name: 'CPUWeigher',
  multiplier: (config) => config.filter_scheduler.cpu_weight_multiplier,
  weigh: (host) => free(host.vcpus),
};
