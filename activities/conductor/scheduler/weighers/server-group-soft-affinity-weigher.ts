import { type HostWeigher } from './host-weigher';

const membersOn = (hostName: string, memberHosts: string[]) =>
  memberHosts.filter((h) => h === hostName).length;

/** soft-affinity: prefer hosts with more members of the group. */
export const ServerGroupSoftAffinityWeigher: HostWeigher = {
  name: 'ServerGroupSoftAffinityWeigher',
  multiplier: (config) => config.filter_scheduler.soft_affinity_weight_multiplier,
  weigh: (host, { group }) =>
    group?.policy === 'soft-affinity' ? membersOn(host.host, group.memberHosts) : 0,
};

/** soft-anti-affinity: prefer hosts with fewer members of the group. */
export const ServerGroupSoftAntiAffinityWeigher: HostWeigher = {
  name: 'ServerGroupSoftAntiAffinityWeigher',
  multiplier: (config) => config.filter_scheduler.soft_anti_affinity_weight_multiplier,
  weigh: (host, { group }) =>
    group?.policy === 'soft-anti-affinity' ? -membersOn(host.host, group.memberHosts) : 0,
};
