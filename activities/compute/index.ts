import { type Config } from '../../common/config';
import { type VirtDriver } from '../../apps/worker-compute/virt/driver';

export interface ComputeDependencies {
  host: string;
  driver: VirtDriver;
  config: Config;
}

/** Every activity a compute worker registers on `compute.<host>`: the host's side of operations. */
export function createComputeActivities(deps: ComputeDependencies) {
  return {
    /** What the hypervisor has now; used by operators and by tests to look at a host directly. */
    async describeHost() {
      const [resources, guests] = await Promise.all([
        deps.driver.getAvailableResource(),
        deps.driver.listGuests(),
      ]);
      return { host: deps.host, resources, guests: Object.fromEntries(guests) };
    },
  };
}
