import { type HostState } from '../../../activities/conductor/scheduler/host-state';

/** A host state for scheduler tests: 16 vCPUs, 32 GiB, 500 GB, nothing used, up and enabled. */
export function fakeHost(host: string, overrides: Partial<HostState> = {}): HostState {
  return {
    host,
    nodename: host,
    computeNodeId: host.length,
    generation: 0,
    availabilityZone: 'nova',
    serviceUp: true,
    serviceDisabled: false,
    hypervisorType: 'fake',
    hypervisorVersion: 1000,
    cpuArch: 'x86_64',
    vcpus: { total: 16, reserved: 0, allocationRatio: 1, used: 0 },
    memoryMb: { total: 32768, reserved: 0, allocationRatio: 1, used: 0 },
    diskGb: { total: 500, reserved: 0, allocationRatio: 1, used: 0 },
    ...overrides,
  };
}
