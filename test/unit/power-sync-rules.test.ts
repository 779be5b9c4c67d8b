import { powerMismatch } from '../../common/compute/power-sync-rules';
import { VmState } from '../../common/compute/instance-states';
import { PowerState } from '../../common/power-state';

const { NOSTATE, RUNNING, PAUSED, SHUTDOWN, CRASHED, SUSPENDED } = PowerState;

describe("power-state sync: Nova's rules for a guest that disagrees with its instance", () => {
  it.each([
    [VmState.ACTIVE, SHUTDOWN, 'Instance shutdown by itself. Calling the stop API.'],
    [VmState.ACTIVE, CRASHED, 'Instance shutdown by itself. Calling the stop API.'],
    [VmState.ACTIVE, SUSPENDED, 'Instance is suspended unexpectedly. Calling the stop API.'],
    [VmState.STOPPED, RUNNING, 'Instance is not stopped. Calling the stop API.'],
    [VmState.STOPPED, PAUSED, 'Instance is not stopped. Calling the stop API.'],
    [VmState.PAUSED, SHUTDOWN, 'Paused instance shutdown by itself. Calling the stop API.'],
  ])('stops a %s instance whose guest is in power state %d', (vmState, powerState, reason) => {
    expect(powerMismatch(vmState, powerState)).toBe(reason);
  });

  it.each([
    [VmState.ACTIVE, RUNNING],
    // Nova ignores these: a paused or vanished guest of an ACTIVE server is logged, not stopped.
    [VmState.ACTIVE, PAUSED],
    [VmState.ACTIVE, NOSTATE],
    [VmState.STOPPED, SHUTDOWN],
    [VmState.STOPPED, NOSTATE],
    [VmState.STOPPED, CRASHED],
    [VmState.PAUSED, PAUSED],
    [VmState.SUSPENDED, SHUTDOWN],
    [VmState.RESIZED, RUNNING],
    [VmState.ERROR, SHUTDOWN],
    [VmState.BUILDING, NOSTATE],
  ])('leaves a %s instance whose guest is in power state %d as it is', (vmState, powerState) => {
    expect(powerMismatch(vmState, powerState)).toBeUndefined();
  });
});
