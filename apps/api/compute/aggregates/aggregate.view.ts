import { isoMicros } from '../timestamps';
import { type ApiVersion } from '../microversion';
import { type AggregateRecord } from './aggregate-store';

/** Nova's _marshall_aggregate: every field of the aggregate, its uuid from microversion 2.41. */
export function aggregateView(aggregate: AggregateRecord, v: ApiVersion) {
  return {
    availability_zone: aggregate.metadata.availability_zone ?? null,
    created_at: isoMicros(aggregate.createdAt),
    deleted: false,
    deleted_at: null,
    hosts: aggregate.hosts,
    id: aggregate.id,
    metadata: aggregate.metadata,
    name: aggregate.name,
    updated_at: isoMicros(aggregate.updatedAt),
    ...(v.atLeast('2.41') && { uuid: aggregate.uuid }),
  };
}

/** What create answers: the same without hosts and metadata, as Nova keeps it. */
export function createdAggregateView(aggregate: AggregateRecord, v: ApiVersion) {
  const { hosts: _hosts, metadata: _metadata, ...view } = aggregateView(aggregate, v);
  return view;
}
