import { PowerState } from '../../../common/power-state';
import { VirtDriverError } from './driver';

/** Nova's power_state.STATE_MAP: the names its logs and faults give power states. */
export const POWER_STATE_NAMES: Record<PowerState, string> = {
  [PowerState.NOSTATE]: 'pending',
  [PowerState.RUNNING]: 'running',
  [PowerState.PAUSED]: 'paused',
  [PowerState.SHUTDOWN]: 'shutdown',
  [PowerState.CRASHED]: 'crashed',
  [PowerState.SUSPENDED]: 'suspended',
};

interface Transition {
  from: PowerState;
  to: PowerState;
}

/** The actions that only one state allows, as on libvirt: pausing needs a running guest, etc. */
const TRANSITIONS = {
  pause: { from: PowerState.RUNNING, to: PowerState.PAUSED },
  unpause: { from: PowerState.PAUSED, to: PowerState.RUNNING },
  suspend: { from: PowerState.RUNNING, to: PowerState.SUSPENDED },
  resume: { from: PowerState.SUSPENDED, to: PowerState.RUNNING },
} satisfies Record<string, Transition>;

export type GuardedAction = keyof typeof TRANSITIONS;

/**
 * The power state `action` leaves a guest of state `current` in. A guest already in the target
 * state stays there, so that a retried action succeeds; any other state refuses the action.
 */
export function powerStateAfter(
  action: GuardedAction,
  instanceUuid: string,
  current: PowerState,
): PowerState {
  const { from, to } = TRANSITIONS[action];
  if (current === from || current === to) return to;
  throw new VirtDriverError(
    `Cannot ${action} instance ${instanceUuid} while it is ${POWER_STATE_NAMES[current]}.`,
    false,
  );
}
