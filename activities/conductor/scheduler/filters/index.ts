import { AggregateInstanceExtraSpecsFilter } from './aggregate-instance-extra-specs-filter';
import { AggregateMultiTenancyIsolation } from './aggregate-multi-tenancy-isolation';
import { AvailabilityZoneFilter } from './availability-zone-filter';
import { ComputeFilter } from './compute-filter';
import { DifferentHostFilter } from './different-host-filter';
import { type HostFilter } from './host-filter';
import { ImagePropertiesFilter } from './image-properties-filter';
import { SameHostFilter } from './same-host-filter';
import { ServerGroupAffinityFilter } from './server-group-affinity-filter';
import { ServerGroupAntiAffinityFilter } from './server-group-anti-affinity-filter';

export type { HostFilter };

const AVAILABLE: HostFilter[] = [
  AggregateInstanceExtraSpecsFilter,
  AggregateMultiTenancyIsolation,
  AvailabilityZoneFilter,
  ComputeFilter,
  DifferentHostFilter,
  ImagePropertiesFilter,
  SameHostFilter,
  ServerGroupAffinityFilter,
  ServerGroupAntiAffinityFilter,
];

/** The filters [filter_scheduler] enabled_filters names, in its order; an unknown name is an error. */
export function enabledFilters(names: string[]): HostFilter[] {
  return names.map((name) => {
    const filter = AVAILABLE.find((candidate) => candidate.name === name);
    if (!filter) {
      throw new Error(
        `[filter_scheduler] enabled_filters names ${name}, which Novaflow does not have; it has ${AVAILABLE.map((f) => f.name).join(', ')}`,
      );
    }
    return filter;
  });
}
