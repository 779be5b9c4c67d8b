import type { HostCapabilities, HostReport, NodeInventory } from '../../common/host-report';

/**
 * The inventory a small fake host reports (8 vCPUs, 16 GiB, 100 GB, Nova's allocation ratios),
 * for tests that send host reports themselves; `changes` set what a test is about.
 */
export function fakeNode(hypervisorHostname: string, changes: Partial<NodeInventory> = {}): NodeInventory {
  return {
    hypervisorHostname,
    hypervisorType: 'fake',
    hypervisorVersion: 1000,
    hostIp: '127.0.0.1',
    cpuArch: 'x86_64',
    vcpus: 8,
    memoryMb: 16384,
    localGb: 100,
    vcpusUsed: 0,
    memoryMbUsed: 0,
    localGbUsed: 0,
    runningVms: 0,
    cpuAllocationRatio: 16,
    ramAllocationRatio: 1.5,
    diskAllocationRatio: 1,
    reservedHostMemoryMb: 512,
    reservedHostDiskMb: 0,
    reservedHostCpus: 0,
    ...changes,
  };
}

/** What a fake host's driver reports it can do: everything. */
export const FAKE_CAPABILITIES: HostCapabilities = {
  supportsEvacuate: true,
  supportsMigrateToSameHost: true,
  supportsLiveMigration: true,
};

let reportsMade = 0;

/** A fake host's report of `guests`, each one later than the one before (reportedAt). */
export function fakeReport(host: string, guests: Record<string, number> = {}): HostReport {
  return {
    host,
    reportedAt: new Date(Date.now() + ++reportsMade).toISOString(),
    availabilityZone: 'nova',
    node: fakeNode(`${host}.node`, { hypervisorVersion: 1 }),
    capabilities: FAKE_CAPABILITIES,
    guests,
  };
}
