import {
  apiStatus,
  conflictMessage,
  mayStart,
  OPERATIONS,
  statesForStatus,
} from '../../common/compute/instance-states';

describe("Nova's instance states", () => {
  it.each([
    ['building', 'scheduling', 'BUILD'],
    ['building', 'spawning', 'BUILD'],
    ['active', null, 'ACTIVE'],
    ['active', 'deleting', 'ACTIVE'],
    ['active', 'rebooting', 'REBOOT'],
    ['active', 'rebooting_hard', 'HARD_REBOOT'],
    ['active', 'resize_migrating', 'RESIZE'],
    ['active', 'migrating', 'MIGRATING'],
    ['stopped', null, 'SHUTOFF'],
    ['resized', null, 'VERIFY_RESIZE'],
    ['resized', 'resize_reverting', 'REVERT_RESIZE'],
    ['error', null, 'ERROR'],
    ['error', 'rebuilding', 'REBUILD'],
    ['deleted', null, 'DELETED'],
    ['soft-delete', null, 'SOFT_DELETED'],
  ])('maps (%s, %s) to %s', (vmState, taskState, status) => {
    expect(apiStatus(vmState, taskState)).toBe(status);
  });

  it('turns a status filter into the vm_states (and task_states) it selects', () => {
    expect(statesForStatus('ACTIVE')).toEqual({ vmStates: ['active'] });
    expect(statesForStatus('BUILD')).toEqual({ vmStates: ['building'] });
    expect(statesForStatus('REBOOT')).toEqual({
      vmStates: ['active'],
      taskStates: ['rebooting', 'reboot_pending', 'reboot_started'],
    });
    expect(statesForStatus('NOPE')).toBeUndefined();
  });

  it('lets delete preempt any task, and nothing else start during one', () => {
    expect(mayStart(OPERATIONS.delete, { vmState: 'building', taskState: 'spawning' })).toBe(true);
    expect(mayStart(OPERATIONS.update_metadata, { vmState: 'active', taskState: 'deleting' })).toBe(false);
    expect(mayStart(OPERATIONS.update_metadata, { vmState: 'building', taskState: null })).toBe(false);
    expect(mayStart(OPERATIONS.update_metadata, { vmState: 'stopped', taskState: null })).toBe(true);
  });

  it("words a refusal as Nova's 409 does", () => {
    const uuid = 'ccd2a1ee-92f2-4338-9601-7575a019f56a';
    // Nova's check_instance_state looks at vm_state first, then task_state.
    expect(
      conflictMessage(OPERATIONS.update_metadata, uuid, { vmState: 'building', taskState: 'spawning' }),
    ).toBe(`Cannot 'update_metadata' instance ${uuid} while it is in vm_state building`);
    expect(
      conflictMessage(OPERATIONS.update_metadata, uuid, { vmState: 'active', taskState: 'powering-off' }),
    ).toBe(`Cannot 'update_metadata' instance ${uuid} while it is in task_state powering-off`);
    expect(conflictMessage(OPERATIONS.start, uuid, { vmState: 'active', taskState: 'powering-off' })).toBe(
      `Cannot 'start' instance ${uuid} while it is in vm_state active`,
    );
    expect(conflictMessage(OPERATIONS.update_metadata, uuid, { vmState: 'error', taskState: null })).toBe(
      `Cannot 'update_metadata' instance ${uuid} while it is in vm_state error`,
    );
  });
});
