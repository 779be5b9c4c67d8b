import { free } from '../host-state';
import { type HostWeigher } from './host-weigher';

/** Free RAM: spreads by default, stacks with a negative ram_weight_multiplier. */
export const RAMWeigher: HostWeigher = {
  name: 'RAMWeigher',
  multiplier: (config) => config.filter_scheduler.ram_weight_multiplier,
  weigh: (host) => free(host.memoryMb),
};
