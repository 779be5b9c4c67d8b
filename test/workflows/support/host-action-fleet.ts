import { PowerState } from '../../../common/power-state';
import type { ConductorFakes } from './fakes';

/** The conductor's steps of an in-place action, on an instance that lives on compute-a. */
export const actionConductor = (host: string | null = 'compute-a'): ConductorFakes => ({
  beginOperation: async () => ({
    host,
    node: host && `${host}.node`,
    vmState: 'active',
    powerState: PowerState.RUNNING,
  }),
  setTaskState: async () => undefined,
  completeOperation: async () => undefined,
  failOperation: async () => undefined,
});
