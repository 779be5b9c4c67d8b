import { PowerState } from '../../../../common/power-state';

/**
 * Nova's LIBVIRT_POWER_STATE, keyed by the words `virsh domstate` prints for each virDomainState.
 * "in shutdown" is still running, technically, but Nova maps it to SHUTDOWN with "shut off".
 */
const POWER_STATE_OF_DOMAIN_STATE: Record<string, PowerState> = {
  'no state': PowerState.NOSTATE,
  running: PowerState.RUNNING,
  idle: PowerState.RUNNING,
  paused: PowerState.PAUSED,
  'in shutdown': PowerState.SHUTDOWN,
  'shut off': PowerState.SHUTDOWN,
  crashed: PowerState.CRASHED,
  pmsuspended: PowerState.SUSPENDED,
};

/** The Nova power state of a domain whose `virsh domstate` is `state`. */
export function powerStateOf(state: string): PowerState {
  return POWER_STATE_OF_DOMAIN_STATE[state.trim()] ?? PowerState.NOSTATE;
}
