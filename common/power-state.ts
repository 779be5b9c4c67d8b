/** Nova's power_state values, as the API reports them in OS-EXT-STS:power_state. */
export const PowerState = {
  NOSTATE: 0,
  RUNNING: 1,
  PAUSED: 3,
  SHUTDOWN: 4,
  CRASHED: 6,
  SUSPENDED: 7,
} as const;

export type PowerState = (typeof PowerState)[keyof typeof PowerState];
