/**
 * Nova's instance states and the one table of which operation may start from which state and
 * which task_states it walks through. The API answers 409 from it; workflows move instances by it.
 * Pure data: workflows import this file.
 */

export const VmState = {
  ACTIVE: 'active',
  BUILDING: 'building',
  PAUSED: 'paused',
  SUSPENDED: 'suspended',
  STOPPED: 'stopped',
  RESCUED: 'rescued',
  RESIZED: 'resized',
  SOFT_DELETED: 'soft-delete',
  DELETED: 'deleted',
  ERROR: 'error',
  SHELVED: 'shelved',
  SHELVED_OFFLOADED: 'shelved_offloaded',
} as const;
export type VmState = (typeof VmState)[keyof typeof VmState];

export const TaskState = {
  SCHEDULING: 'scheduling',
  BLOCK_DEVICE_MAPPING: 'block_device_mapping',
  NETWORKING: 'networking',
  SPAWNING: 'spawning',
  REBOOTING: 'rebooting',
  REBOOT_PENDING: 'reboot_pending',
  REBOOT_STARTED: 'reboot_started',
  REBOOTING_HARD: 'rebooting_hard',
  REBOOT_PENDING_HARD: 'reboot_pending_hard',
  REBOOT_STARTED_HARD: 'reboot_started_hard',
  UPDATING_PASSWORD: 'updating_password',
  REBUILDING: 'rebuilding',
  REBUILD_BLOCK_DEVICE_MAPPING: 'rebuild_block_device_mapping',
  REBUILD_SPAWNING: 'rebuild_spawning',
  MIGRATING: 'migrating',
  RESIZE_PREP: 'resize_prep',
  RESIZE_MIGRATING: 'resize_migrating',
  RESIZE_MIGRATED: 'resize_migrated',
  RESIZE_FINISH: 'resize_finish',
  RESIZE_REVERTING: 'resize_reverting',
  PAUSING: 'pausing',
  UNPAUSING: 'unpausing',
  SUSPENDING: 'suspending',
  RESUMING: 'resuming',
  POWERING_OFF: 'powering-off',
  POWERING_ON: 'powering-on',
  DELETING: 'deleting',
  SOFT_DELETING: 'soft-deleting',
  RESTORING: 'restoring',
} as const;
export type TaskState = (typeof TaskState)[keyof typeof TaskState];

/** Nova's power_state values (OS-EXT-STS:power_state). */
export { PowerState } from '../power-state';

const RESIZING = [
  TaskState.RESIZE_PREP,
  TaskState.RESIZE_MIGRATING,
  TaskState.RESIZE_MIGRATED,
  TaskState.RESIZE_FINISH,
];
const REBUILDING = [TaskState.REBUILDING, TaskState.REBUILD_BLOCK_DEVICE_MAPPING, TaskState.REBUILD_SPAWNING];

function byTask(defaultStatus: string, overrides: [readonly string[], string][] = []) {
  return { defaultStatus, overrides };
}

/** Nova's (vm_state, task_state) → API status map (nova/api/openstack/common.py). */
const STATUS_MAP: Record<string, { defaultStatus: string; overrides: [readonly string[], string][] }> = {
  [VmState.ACTIVE]: byTask('ACTIVE', [
    [[TaskState.REBOOTING, TaskState.REBOOT_PENDING, TaskState.REBOOT_STARTED], 'REBOOT'],
    [[TaskState.REBOOTING_HARD, TaskState.REBOOT_PENDING_HARD, TaskState.REBOOT_STARTED_HARD], 'HARD_REBOOT'],
    [[TaskState.UPDATING_PASSWORD], 'PASSWORD'],
    [REBUILDING, 'REBUILD'],
    [[TaskState.MIGRATING], 'MIGRATING'],
    [RESIZING, 'RESIZE'],
  ]),
  [VmState.BUILDING]: byTask('BUILD'),
  [VmState.STOPPED]: byTask('SHUTOFF', [
    [RESIZING, 'RESIZE'],
    [REBUILDING, 'REBUILD'],
  ]),
  [VmState.RESIZED]: byTask('VERIFY_RESIZE', [[[TaskState.RESIZE_REVERTING], 'REVERT_RESIZE']]),
  [VmState.PAUSED]: byTask('PAUSED', [[[TaskState.MIGRATING], 'MIGRATING']]),
  [VmState.SUSPENDED]: byTask('SUSPENDED'),
  [VmState.RESCUED]: byTask('RESCUE'),
  [VmState.ERROR]: byTask('ERROR', [[REBUILDING, 'REBUILD']]),
  [VmState.DELETED]: byTask('DELETED'),
  [VmState.SOFT_DELETED]: byTask('SOFT_DELETED'),
  [VmState.SHELVED]: byTask('SHELVED'),
  [VmState.SHELVED_OFFLOADED]: byTask('SHELVED_OFFLOADED'),
};

/** The API status of an instance, e.g. ('active', 'rebooting') → 'REBOOT'. */
export function apiStatus(vmState: string, taskState: string | null): string {
  const entry = STATUS_MAP[vmState];
  if (!entry) return 'UNKNOWN';
  const override = taskState ? entry.overrides.find(([tasks]) => tasks.includes(taskState)) : undefined;
  return override ? override[1] : entry.defaultStatus;
}

/**
 * The vm_states a status filter (`GET /servers?status=`) selects, as Nova's
 * task_and_vm_state_from_status: a status that is some vm_state's default selects by vm_state only.
 */
export function statesForStatus(status: string): { vmStates: string[]; taskStates?: string[] } | undefined {
  const vmStates: string[] = [];
  const taskStates: string[] = [];
  let anyTask = false;
  for (const [vmState, entry] of Object.entries(STATUS_MAP)) {
    if (entry.defaultStatus === status) {
      vmStates.push(vmState);
      anyTask = true;
    }
    for (const [tasks, overrideStatus] of entry.overrides) {
      if (overrideStatus === status) {
        vmStates.push(vmState);
        taskStates.push(...tasks);
      }
    }
  }
  if (vmStates.length === 0) return undefined;
  return anyTask ? { vmStates: [...new Set(vmStates)] } : { vmStates: [...new Set(vmStates)], taskStates };
}

export interface Operation {
  /** Nova's instance action it records (os-instance-actions) and the word its 409 uses. */
  action: string;
  /** The workflow that runs it on the conductor queue; none for operations the API does alone. */
  workflow?: string;
  /** Nova's compute event for its host phase (os-instance-actions events). */
  event?: string;
  /** vm_states the operation may start from; undefined means any. */
  fromVmStates?: readonly VmState[];
  /**
   * task_states it may take the instance from, cancelling that task's workflow first (Nova's
   * task_id rule: only delete, and a hard reboot of a reboot or pause, preempt); 'any' for delete.
   */
  preempts?: readonly TaskState[] | 'any';
  /** task_states the operation walks through, in order; the first is set by the API's claim. */
  taskStates: readonly TaskState[];
  /** The vm_state it leaves the instance in when it succeeds. */
  toVmState: VmState;
  /** What a failed run leaves: ERROR, or the vm_state it started from (Nova's reverts_task_state). */
  onFailure: 'error' | 'keep';
  /** Refused with Nova's 409 "is not ready" while the instance has no host (check_instance_host). */
  needsHost?: boolean;
}

/** Nova's ALLOW_REBOOT: the task_states a hard reboot may take an instance from. */
const ALLOW_REBOOT = [
  TaskState.REBOOTING,
  TaskState.REBOOT_PENDING,
  TaskState.REBOOT_STARTED,
  TaskState.RESUMING,
  TaskState.REBOOTING_HARD,
  TaskState.UNPAUSING,
  TaskState.PAUSING,
  TaskState.SUSPENDING,
] as const;

/** Every task_state but a delete's: what an evacuate may take an instance from (Nova checks no task). */
const ALL_BUT_DELETING = Object.values(TaskState).filter(
  (state) => state !== TaskState.DELETING && state !== TaskState.SOFT_DELETING,
);

/** Resize or cold migration: the same walk, recorded under its own instance action. */
const coldMove = <A extends 'resize' | 'migrate'>(action: A) =>
  ({
    action,
    workflow: 'resizeWorkflow',
    event: 'compute_prep_resize',
    fromVmStates: [VmState.ACTIVE, VmState.STOPPED],
    taskStates: RESIZING,
    toVmState: VmState.RESIZED,
    onFailure: 'keep',
    needsHost: true,
  }) as const satisfies Operation;

/** Every operation Novaflow runs on instances, and how each moves the instance. */
export const OPERATIONS = {
  create: {
    action: 'create',
    workflow: 'bootWorkflow',
    event: 'compute__do_build_and_run_instance',
    fromVmStates: [VmState.BUILDING],
    taskStates: [
      TaskState.SCHEDULING,
      TaskState.NETWORKING,
      TaskState.BLOCK_DEVICE_MAPPING,
      TaskState.SPAWNING,
    ],
    toVmState: VmState.ACTIVE,
    onFailure: 'error',
  },
  delete: {
    action: 'delete',
    workflow: 'deleteWorkflow',
    event: 'compute_terminate_instance',
    preempts: 'any',
    taskStates: [TaskState.DELETING],
    toVmState: VmState.DELETED,
    onFailure: 'error',
  },
  /** DELETE when [DEFAULT] reclaim_instance_interval > 0: powered off and kept until reclaimed. */
  soft_delete: {
    action: 'delete',
    workflow: 'softDeleteWorkflow',
    event: 'compute_soft_delete_instance',
    preempts: 'any',
    taskStates: [TaskState.SOFT_DELETING],
    toVmState: VmState.SOFT_DELETED,
    onFailure: 'error',
  },
  force_delete: {
    action: 'delete',
    workflow: 'deleteWorkflow',
    event: 'compute_terminate_instance',
    preempts: 'any',
    taskStates: [TaskState.DELETING],
    toVmState: VmState.DELETED,
    onFailure: 'error',
  },
  restore: {
    action: 'restore',
    workflow: 'restoreWorkflow',
    event: 'compute_restore_instance',
    fromVmStates: [VmState.SOFT_DELETED],
    taskStates: [TaskState.RESTORING],
    toVmState: VmState.ACTIVE,
    onFailure: 'keep',
  },
  stop: {
    action: 'stop',
    workflow: 'stopWorkflow',
    event: 'compute_stop_instance',
    fromVmStates: [VmState.ACTIVE, VmState.ERROR],
    taskStates: [TaskState.POWERING_OFF],
    toVmState: VmState.STOPPED,
    onFailure: 'keep',
    needsHost: true,
  },
  // Nova's force_stop, which the power-state sync calls on a guest that does not run as its
  // instance should (ACTIVE but shut down, STOPPED but running): from any of those vm_states.
  force_stop: {
    action: 'stop',
    workflow: 'stopWorkflow',
    event: 'compute_stop_instance',
    fromVmStates: [VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.ERROR],
    taskStates: [TaskState.POWERING_OFF],
    toVmState: VmState.STOPPED,
    onFailure: 'keep',
    needsHost: true,
  },
  start: {
    action: 'start',
    workflow: 'startWorkflow',
    event: 'compute_start_instance',
    fromVmStates: [VmState.STOPPED],
    taskStates: [TaskState.POWERING_ON],
    toVmState: VmState.ACTIVE,
    onFailure: 'keep',
    needsHost: true,
  },
  reboot_soft: {
    action: 'reboot',
    workflow: 'rebootWorkflow',
    event: 'compute_reboot_instance',
    fromVmStates: [VmState.ACTIVE],
    // A soft reboot the guest ignores becomes a hard one after [DEFAULT] reboot_timeout.
    taskStates: [TaskState.REBOOTING, TaskState.REBOOTING_HARD],
    toVmState: VmState.ACTIVE,
    onFailure: 'keep',
  },
  reboot_hard: {
    action: 'reboot',
    workflow: 'rebootWorkflow',
    event: 'compute_reboot_instance',
    fromVmStates: [VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED, VmState.ERROR],
    preempts: ALLOW_REBOOT,
    taskStates: [TaskState.REBOOTING_HARD],
    toVmState: VmState.ACTIVE,
    onFailure: 'keep',
  },
  pause: {
    action: 'pause',
    workflow: 'pauseWorkflow',
    event: 'compute_pause_instance',
    fromVmStates: [VmState.ACTIVE],
    taskStates: [TaskState.PAUSING],
    toVmState: VmState.PAUSED,
    onFailure: 'keep',
  },
  unpause: {
    action: 'unpause',
    workflow: 'unpauseWorkflow',
    event: 'compute_unpause_instance',
    fromVmStates: [VmState.PAUSED],
    taskStates: [TaskState.UNPAUSING],
    toVmState: VmState.ACTIVE,
    onFailure: 'keep',
  },
  suspend: {
    action: 'suspend',
    workflow: 'suspendWorkflow',
    event: 'compute_suspend_instance',
    fromVmStates: [VmState.ACTIVE],
    taskStates: [TaskState.SUSPENDING],
    toVmState: VmState.SUSPENDED,
    onFailure: 'keep',
  },
  resume: {
    action: 'resume',
    workflow: 'resumeWorkflow',
    event: 'compute_resume_instance',
    fromVmStates: [VmState.SUSPENDED],
    taskStates: [TaskState.RESUMING],
    toVmState: VmState.ACTIVE,
    onFailure: 'keep',
  },
  /** Resize and cold migration share one workflow: a migration keeps the flavor. */
  resize: coldMove('resize'),
  migrate: coldMove('migrate'),
  /**
   * Confirm and revert are steps of the resize's own workflow, which waits in RESIZED for one of
   * them: the API records the action and signals it; they have no workflow of their own.
   */
  confirm_resize: {
    action: 'confirmResize',
    event: 'compute_confirm_resize',
    fromVmStates: [VmState.RESIZED],
    taskStates: [],
    toVmState: VmState.ACTIVE,
    onFailure: 'error',
    needsHost: true,
  },
  revert_resize: {
    action: 'revertResize',
    event: 'compute_revert_resize',
    fromVmStates: [VmState.RESIZED],
    taskStates: [TaskState.RESIZE_REVERTING],
    toVmState: VmState.ACTIVE,
    onFailure: 'error',
    needsHost: true,
  },
  live_migrate: {
    action: 'live-migration',
    workflow: 'liveMigrateWorkflow',
    event: 'compute_live_migration',
    fromVmStates: [VmState.ACTIVE, VmState.PAUSED],
    taskStates: [TaskState.MIGRATING],
    // A paused server stays paused: the workflow gives its starting vm_state back.
    toVmState: VmState.ACTIVE,
    onFailure: 'keep',
    needsHost: true,
  },
  evacuate: {
    action: 'evacuate',
    workflow: 'evacuateWorkflow',
    event: 'compute_rebuild_instance',
    fromVmStates: [VmState.ACTIVE, VmState.STOPPED, VmState.ERROR],
    preempts: ALL_BUT_DELETING,
    taskStates: REBUILDING,
    toVmState: VmState.ACTIVE,
    onFailure: 'error',
    needsHost: true,
  },
  rebuild: {
    action: 'rebuild',
    workflow: 'rebuildWorkflow',
    event: 'compute_rebuild_instance',
    fromVmStates: [VmState.ACTIVE, VmState.STOPPED, VmState.ERROR],
    taskStates: REBUILDING,
    toVmState: VmState.ACTIVE,
    onFailure: 'error',
    needsHost: true,
  },
  update_metadata: {
    action: 'update_metadata',
    fromVmStates: [VmState.ACTIVE, VmState.PAUSED, VmState.SUSPENDED, VmState.STOPPED],
    taskStates: [],
    toVmState: VmState.ACTIVE,
    onFailure: 'keep',
  },
} as const satisfies Record<string, Operation>;

export type OperationName = keyof typeof OPERATIONS;

/** Whether `operation` may take the instance from a task in `taskState`. */
export function mayPreempt(operation: Operation, taskState: string): boolean {
  const { preempts } = operation;
  return preempts === 'any' || (preempts?.includes(taskState as TaskState) ?? false);
}

/**
 * Nova's 409 message for an operation refused in the instance's current state. Nova's
 * check_instance_state looks at vm_state first, so a wrong vm_state is what it names even while
 * a task runs (start of an active server being powered off: "vm_state active").
 */
export function conflictMessage(
  operation: Operation,
  uuid: string,
  state: { vmState: string; taskState: string | null },
): string {
  const vmStateAllowed =
    !operation.fromVmStates || (operation.fromVmStates as readonly string[]).includes(state.vmState);
  return vmStateAllowed && state.taskState
    ? `Cannot '${operation.action}' instance ${uuid} while it is in task_state ${state.taskState}`
    : `Cannot '${operation.action}' instance ${uuid} while it is in vm_state ${state.vmState}`;
}

/** Whether `operation` may start now: no task running (or one it preempts) and an allowed vm_state. */
export function mayStart(
  operation: Operation,
  state: { vmState: string; taskState: string | null },
): boolean {
  if (state.taskState !== null && !mayPreempt(operation, state.taskState)) return false;
  return !operation.fromVmStates || (operation.fromVmStates as readonly string[]).includes(state.vmState);
}
