import { type HostFilter } from './host-filter';

/** A request for an availability zone only fits hosts in it. */
export const AvailabilityZoneFilter: HostFilter = {
  name: 'AvailabilityZoneFilter',
  hostPasses: (host, request) =>
    !request.availabilityZone || host.availabilityZone === request.availabilityZone,
};
