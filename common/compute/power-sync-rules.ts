import { PowerState } from '../power-state';
import { VmState } from './instance-states';

const { SHUTDOWN, CRASHED, SUSPENDED, NOSTATE } = PowerState;
/** What a stopped instance's guest may be: shut down, crashed, or gone. */
const STOPPED_STATES: readonly number[] = [NOSTATE, SHUTDOWN, CRASHED];

/**
 * Nova's _sync_instance_power_state: the rules of the seeds' table for an idle instance whose
 * guest disagrees with its vm_state. Each mismatch it names is
 * stopped through the stop path (Nova's force_stop); the others only take the host's power state.
 */
export function powerMismatch(vmState: string, powerState: number): string | undefined {
  if (vmState === VmState.ACTIVE && (powerState === SHUTDOWN || powerState === CRASHED))
    return 'Instance shutdown by itself. Calling the stop API.';
  if (vmState === VmState.ACTIVE && powerState === SUSPENDED)
    return 'Instance is suspended unexpectedly. Calling the stop API.';
  if (vmState === VmState.STOPPED && !STOPPED_STATES.includes(powerState))
    return 'Instance is not stopped. Calling the stop API.';
  if (vmState === VmState.PAUSED && (powerState === SHUTDOWN || powerState === CRASHED))
    return 'Paused instance shutdown by itself. Calling the stop API.';
  return undefined;
}
