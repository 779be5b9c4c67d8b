/** One compute node as the scheduler sees it: inventory, what placement has allocated, its service. */
export interface HostState {
  host: string;
  nodename: string;
  computeNodeId: number;
  /** The node's generation when read: a claim succeeds only if it is still this. */
  generation: number;
  availabilityZone: string;
  serviceUp: boolean;
  serviceDisabled: boolean;
  hypervisorType: string;
  hypervisorVersion: number;
  cpuArch: string;
  vcpus: Inventory;
  memoryMb: Inventory;
  diskGb: Inventory;
  /** The metadata of each host aggregate the host is in (Nova's HostState.aggregates). */
  aggregates?: Record<string, string>[];
}

/** A placement inventory: total, reserved, allocation ratio, and what allocations use. */
export interface Inventory {
  total: number;
  reserved: number;
  allocationRatio: number;
  used: number;
}

/** Placement's capacity: (total - reserved) × allocation_ratio. */
export function capacity(inventory: Inventory): number {
  return Math.floor((inventory.total - inventory.reserved) * inventory.allocationRatio);
}

export function free(inventory: Inventory): number {
  return capacity(inventory) - inventory.used;
}

/** What one instance needs of a node. */
export interface Resources {
  vcpus: number;
  memoryMb: number;
  diskGb: number;
}

/** Whether the node still has room for `resources` (placement's allocation-candidates check). */
export function hasRoom(host: HostState, resources: Resources): boolean {
  return (
    free(host.vcpus) >= resources.vcpus &&
    free(host.memoryMb) >= resources.memoryMb &&
    free(host.diskGb) >= resources.diskGb
  );
}
