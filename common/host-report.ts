/** What a compute host tells the conductor every report_interval. */
export interface HostReport {
  host: string;
  /** The host's own clock when it made the report (ISO 8601). */
  reportedAt: string;
  availabilityZone: string;
  node: NodeInventory;
  /** Guests on the hypervisor: instance uuid → Nova power_state. */
  guests: Record<string, number>;
}

export interface NodeInventory {
  hypervisorHostname: string;
  hypervisorType: string;
  hypervisorVersion: number;
  hostIp: string;
  /** Nova's architecture name, e.g. x86_64. */
  cpuArch: string;
  vcpus: number;
  memoryMb: number;
  localGb: number;
  vcpusUsed: number;
  memoryMbUsed: number;
  localGbUsed: number;
  runningVms: number;
  cpuAllocationRatio: number;
  ramAllocationRatio: number;
  diskAllocationRatio: number;
  reservedHostMemoryMb: number;
  reservedHostDiskMb: number;
  reservedHostCpus: number;
}
