import { AvailabilityZoneFilter } from '../../../activities/conductor/scheduler/filters/availability-zone-filter';
import { ComputeFilter } from '../../../activities/conductor/scheduler/filters/compute-filter';
import { DifferentHostFilter } from '../../../activities/conductor/scheduler/filters/different-host-filter';
import { ImagePropertiesFilter } from '../../../activities/conductor/scheduler/filters/image-properties-filter';
import { SameHostFilter } from '../../../activities/conductor/scheduler/filters/same-host-filter';
import { ServerGroupAffinityFilter } from '../../../activities/conductor/scheduler/filters/server-group-affinity-filter';
import { ServerGroupAntiAffinityFilter } from '../../../activities/conductor/scheduler/filters/server-group-anti-affinity-filter';
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

describe('scheduler filters', () => {
  it('ComputeFilter passes only hosts whose service is up and enabled', () => {
    expect(ComputeFilter.hostPasses(fakeHost('a'), request())).toBe(true);
    expect(ComputeFilter.hostPasses(fakeHost('a', { serviceUp: false }), request())).toBe(false);
    expect(ComputeFilter.hostPasses(fakeHost('a', { serviceDisabled: true }), request())).toBe(false);
  });

  it('AvailabilityZoneFilter matches the requested zone, any zone when none is asked', () => {
    const east = fakeHost('a', { availabilityZone: 'east' });
    expect(AvailabilityZoneFilter.hostPasses(east, request())).toBe(true);
    expect(AvailabilityZoneFilter.hostPasses(east, request({ availabilityZone: 'east' }))).toBe(true);
    expect(AvailabilityZoneFilter.hostPasses(east, request({ availabilityZone: 'west' }))).toBe(false);
  });

  it('ImagePropertiesFilter checks architecture, hypervisor type and VM mode', () => {
    const host = fakeHost('a', { hypervisorType: 'QEMU' });
    expect(
      ImagePropertiesFilter.hostPasses(host, request({ imageProperties: { hw_architecture: 'x86_64' } })),
    ).toBe(true);
    expect(
      ImagePropertiesFilter.hostPasses(host, request({ imageProperties: { hw_architecture: 'aarch64' } })),
    ).toBe(false);
    expect(ImagePropertiesFilter.hostPasses(host, request({ imageProperties: { img_hv_type: 'kvm' } }))).toBe(
      true,
    );
    expect(ImagePropertiesFilter.hostPasses(host, request({ imageProperties: { img_hv_type: 'xen' } }))).toBe(
      false,
    );
    expect(ImagePropertiesFilter.hostPasses(host, request({ imageProperties: { hw_vm_mode: 'xen' } }))).toBe(
      false,
    );
  });

  it('ServerGroupAntiAffinityFilter keeps members apart, max_server_per_host at a time', () => {
    const group = { uuid: 'g', policy: 'anti-affinity' as const, memberHosts: ['a', 'b'] };
    expect(ServerGroupAntiAffinityFilter.hostPasses(fakeHost('a'), request({ group }))).toBe(false);
    expect(ServerGroupAntiAffinityFilter.hostPasses(fakeHost('c'), request({ group }))).toBe(true);
    expect(
      ServerGroupAntiAffinityFilter.hostPasses(
        fakeHost('a'),
        request({ group: { ...group, maxServerPerHost: 2 } }),
      ),
    ).toBe(true);
    expect(ServerGroupAntiAffinityFilter.hostPasses(fakeHost('a'), request())).toBe(true);
  });

  it('ServerGroupAffinityFilter keeps members together; the first member goes anywhere', () => {
    const group = { uuid: 'g', policy: 'affinity' as const, memberHosts: ['a'] };
    expect(ServerGroupAffinityFilter.hostPasses(fakeHost('a'), request({ group }))).toBe(true);
    expect(ServerGroupAffinityFilter.hostPasses(fakeHost('b'), request({ group }))).toBe(false);
    expect(
      ServerGroupAffinityFilter.hostPasses(fakeHost('b'), request({ group: { ...group, memberHosts: [] } })),
    ).toBe(true);
  });

  it('SameHostFilter and DifferentHostFilter follow the hints', () => {
    expect(SameHostFilter.hostPasses(fakeHost('a'), request({ sameHost: ['a'] }))).toBe(true);
    expect(SameHostFilter.hostPasses(fakeHost('b'), request({ sameHost: ['a'] }))).toBe(false);
    expect(DifferentHostFilter.hostPasses(fakeHost('a'), request({ differentHost: ['a'] }))).toBe(false);
    expect(DifferentHostFilter.hostPasses(fakeHost('b'), request({ differentHost: ['a'] }))).toBe(true);
  });

  it('enables filters by name, in the configured order, and refuses unknown names', () => {
    expect(enabledFilters(['SameHostFilter', 'ComputeFilter']).map((filter) => filter.name)).toEqual([
      'SameHostFilter',
      'ComputeFilter',
    ]);
    expect(() => enabledFilters(['RamFilter'])).toThrow(
      /enabled_filters names RamFilter, which Novaflow does not have/,
    );
  });
});
