import { AggregateInstanceExtraSpecsFilter } from '../../../activities/conductor/scheduler/filters/aggregate-instance-extra-specs-filter';
import { AggregateMultiTenancyIsolation } from '../../../activities/conductor/scheduler/filters/aggregate-multi-tenancy-isolation';
import { matchesExtraSpec } from '../../../activities/conductor/scheduler/filters/extra-specs-ops';
import { enabledFilters } from '../../../activities/conductor/scheduler/filters';
import { type SchedulingRequest } from '../../../activities/conductor/scheduler/scheduling-request';
import { fakeHost } from './fake-host';

const request = (overrides: Partial<SchedulingRequest> = {}): SchedulingRequest => ({
  instanceUuid: 'i-1',
  resources: { vcpus: 1, memoryMb: 512, diskGb: 1 },
  imageProperties: {},
  sameHost: [],
  differentHost: [],
  ...overrides,
});

describe('AggregateInstanceExtraSpecsFilter', () => {
  const ssd = fakeHost('a', { aggregates: [{ ssd: 'true', cpus: '8' }, { tier: 'gold, silver' }] });
  const plain = fakeHost('b');
  const passes = (host: typeof ssd, flavorExtraSpecs: Record<string, string>) =>
    AggregateInstanceExtraSpecsFilter.hostPasses(host, request({ flavorExtraSpecs }));

  it('passes every host for a flavor without extra specs', () => {
    expect(passes(plain, {})).toBe(true);
    expect(AggregateInstanceExtraSpecsFilter.hostPasses(plain, request())).toBe(true);
  });

  it('matches scoped and unscoped keys against aggregate metadata, ignoring other scopes', () => {
    expect(passes(ssd, { 'aggregate_instance_extra_specs:ssd': 'true' })).toBe(true);
    expect(passes(ssd, { ssd: 'true' })).toBe(true);
    expect(passes(plain, { 'aggregate_instance_extra_specs:ssd': 'true' })).toBe(false);
    expect(passes(ssd, { 'aggregate_instance_extra_specs:ssd': 'false' })).toBe(false);
    expect(passes(plain, { 'hw:cpu_policy': 'dedicated' })).toBe(true);
  });

  it('splits comma-separated aggregate values and applies the extra-spec operators', () => {
    expect(passes(ssd, { 'aggregate_instance_extra_specs:tier': 'silver' })).toBe(true);
    expect(passes(ssd, { 'aggregate_instance_extra_specs:cpus': '>= 4' })).toBe(true);
    expect(passes(ssd, { 'aggregate_instance_extra_specs:cpus': '>= 16' })).toBe(false);
    expect(passes(ssd, { 'aggregate_instance_extra_specs:tier': '<or> bronze <or> gold' })).toBe(true);
  });

  it('implements extra_specs_ops as Nova does', () => {
    expect(matchesExtraSpec('4', '= 2')).toBe(true);
    expect(matchesExtraSpec('abc', 's== abc')).toBe(true);
    expect(matchesExtraSpec('abc', 's!= abc')).toBe(false);
    expect(matchesExtraSpec('sse4 avx', '<in> avx')).toBe(true);
    expect(matchesExtraSpec('sse4 avx', '<all-in> avx sse4')).toBe(true);
    expect(matchesExtraSpec('sse4', '<all-in> avx sse4')).toBe(false);
    expect(matchesExtraSpec('x', '<or> y <or> z')).toBe(false);
    expect(matchesExtraSpec('x', '>=')).toBe(false);
  });
});

describe('AggregateMultiTenancyIsolation', () => {
  const passes = (aggregates: Record<string, string>[], projectId: string) =>
    AggregateMultiTenancyIsolation.hostPasses(fakeHost('a', { aggregates }), request({ projectId }));

  it('passes every project on hosts without filter_tenant_id', () => {
    expect(passes([], 'p1')).toBe(true);
    expect(passes([{ availability_zone: 'east' }], 'p1')).toBe(true);
  });

  it('takes only the listed projects, over every aggregate of the host', () => {
    expect(passes([{ filter_tenant_id: 'p1,p2' }], 'p2')).toBe(true);
    expect(passes([{ filter_tenant_id: 'p1,p2' }], 'p3')).toBe(false);
    expect(passes([{ filter_tenant_id: 'p1' }, { filter_tenant_id: 'p3' }], 'p3')).toBe(true);
  });
});

it('both filters are off unless enabled_filters names them', () => {
  expect(enabledFilters(['AggregateInstanceExtraSpecsFilter', 'AggregateMultiTenancyIsolation'])).toEqual([
    AggregateInstanceExtraSpecsFilter,
    AggregateMultiTenancyIsolation,
  ]);
});
