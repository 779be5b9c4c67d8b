import { aggregateMetadataOf } from './aggregate-metadata';
import { type HostFilter } from './host-filter';

/**
 * A host in an aggregate with `filter_tenant_id` metadata takes only instances of the projects it
 * lists (comma-separated, over every such aggregate); other hosts take every project's.
 */
export const AggregateMultiTenancyIsolation: HostFilter = {
  name: 'AggregateMultiTenancyIsolation',
  hostPasses: (host, { projectId }) => {
    const tenants = aggregateMetadataOf(host, 'filter_tenant_id').get('filter_tenant_id');
    return !tenants || tenants.size === 0 || (projectId !== undefined && tenants.has(projectId));
  },
};
