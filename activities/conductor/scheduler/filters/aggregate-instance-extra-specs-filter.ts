import { aggregateMetadataOf } from './aggregate-metadata';
import { matchesExtraSpec } from './extra-specs-ops';
import { type HostFilter } from './host-filter';

const SCOPE = 'aggregate_instance_extra_specs';

/**
 * A flavor's extra specs, unscoped or scoped `aggregate_instance_extra_specs:`, must each be
 * matched by a value of the host's aggregates' metadata; specs of other scopes (hw:, ...) are not
 * this filter's business. A flavor without extra specs fits anywhere.
 */
export const AggregateInstanceExtraSpecsFilter: HostFilter = {
  name: 'AggregateInstanceExtraSpecsFilter',
  hostPasses: (host, { flavorExtraSpecs }) => {
    const specs = Object.entries(flavorExtraSpecs ?? {});
    if (specs.length === 0) return true;
    const metadata = aggregateMetadataOf(host);
    return specs.every(([scopedKey, req]) => {
      const [scope, ...rest] = scopedKey.split(':');
      if (rest.length > 0 && scope !== SCOPE) return true;
      const key = rest.length > 0 ? rest.join(':') : scope;
      const values = metadata.get(key);
      return values !== undefined && [...values].some((value) => matchesExtraSpec(value, req));
    });
  },
};
