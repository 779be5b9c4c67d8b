/** What a compute host tells the conductor every report_interval. */
export interface HostReport {
  host: string;
  /** The host's own clock when it made the report (ISO 8601). */
  reportedAt: string;
  availabilityZone: string;
  node: NodeInventory;
  /** What the host's driver can do, checked before an operation that needs it. */
  capabilities: HostCapabilities;
  /** Guests on the hypervisor: instance uuid → Nova power_state. */
  guests: Record<string, number>;
}

/** What a hypervisor has, as Nova's get_available_resource reports it. */
export interface HostResources {
  hypervisorHostname: string;
  hypervisorType: string;
  hypervisorVersion: number;
  hostIp: string;
  /** Nova's architecture name, e.g. x86_64 or aarch64. */
  cpuArch: string;
  vcpus: number;
  memoryMb: number;
  localGb: number;
  vcpusUsed: number;
  memoryMbUsed: number;
  localGbUsed: number;
}

/** The node as the host reports it: the hypervisor's resources and the host's allocation settings. */
export interface NodeInventory extends HostResources {
  runningVms: number;
  cpuAllocationRatio: number;
  ramAllocationRatio: number;
  diskAllocationRatio: number;
  reservedHostMemoryMb: number;
  reservedHostDiskMb: number;
  reservedHostCpus: number;
}

/** The driver capabilities a host reports (Nova's driver.capabilities that operations check). */
export interface HostCapabilities {
  supportsEvacuate: boolean;
  supportsMigrateToSameHost: boolean;
  supportsLiveMigration: boolean;
}
