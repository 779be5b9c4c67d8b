import { type Config } from '../../../../common/config';
import { type HostState } from '../host-state';
import { type SchedulingRequest } from '../scheduling-request';
import { CPUWeigher } from './cpu-weigher';
import { DiskWeigher } from './disk-weigher';
import { type HostWeigher } from './host-weigher';
import { RAMWeigher } from './ram-weigher';
import {
  ServerGroupSoftAffinityWeigher,
  ServerGroupSoftAntiAffinityWeigher,
} from './server-group-soft-affinity-weigher';

/** Nova's default weighers (nova.scheduler.weights.all_weighers) that apply to Novaflow's resources. */
export const WEIGHERS: HostWeigher[] = [
  RAMWeigher,
  CPUWeigher,
  DiskWeigher,
  ServerGroupSoftAffinityWeigher,
  ServerGroupSoftAntiAffinityWeigher,
];

/** Min-max normalization to [0, 1], as Nova's weights.normalize; all equal → all 0. */
function normalize(values: number[]): number[] {
  const min = Math.min(...values);
  const max = Math.max(...values);
  return max === min ? values.map(() => 0) : values.map((value) => (value - min) / (max - min));
}

/** Each host's total weight: the sum over weighers of multiplier × normalized weight. */
export function weighHosts(
  hosts: HostState[],
  request: SchedulingRequest,
  config: Config,
): { host: HostState; weight: number }[] {
  const totals = hosts.map(() => 0);
  for (const weigher of WEIGHERS) {
    const multiplier = weigher.multiplier(config);
    if (multiplier === 0) continue;
    normalize(hosts.map((host) => weigher.weigh(host, request))).forEach((weight, i) => {
      totals[i] += multiplier * weight;
    });
  }
  return hosts.map((host, i) => ({ host, weight: totals[i] }));
}
