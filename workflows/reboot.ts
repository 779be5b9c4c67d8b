import { ActivityFailure, log, TimeoutFailure } from '@temporalio/workflow';
import { TaskState } from '../common/compute/instance-states';
import { conductor } from './conductor-activities';
import { runHostAction } from './engine/host-action';
import type { OperationInput } from './engine/operation-run';
import { type OperationOutcome } from './engine/run-operation';
import { hostActivities } from './host-activities';

export type RebootInput = OperationInput & {
  operation: 'reboot_soft' | 'reboot_hard';
  /** [DEFAULT] reboot_timeout: how long a guest may take to honour a soft reboot. */
  rebootTimeoutSeconds: number;
};

const isTimeout = (error: unknown) =>
  error instanceof ActivityFailure && error.cause instanceof TimeoutFailure;

/**
 * Reboot (Nova's reboot_instance). SOFT asks the guest to restart; a guest that has not come
 * back within reboot_timeout is rebooted HARD (task_state rebooting_hard), as Nova's driver
 * falls back. HARD resets the guest from any state Nova allows and leaves it running.
 */
export function rebootWorkflow(input: RebootInput): Promise<OperationOutcome> {
  const guest = { instanceUuid: input.instanceUuid };
  return runHostAction(input, async (host, run, hostName) => {
    if (input.operation === 'reboot_hard') return host.reboot({ ...guest, type: 'HARD' });
    try {
      return await hostActivities(hostName, {
        startToCloseTimeout: `${input.rebootTimeoutSeconds} seconds`,
        retry: { maximumAttempts: 1 },
      }).reboot({ ...guest, type: 'SOFT' });
    } catch (error) {
      if (!isTimeout(error)) throw error;
      log.info('soft reboot timed out; rebooting hard', { ...guest, seconds: input.rebootTimeoutSeconds });
      await conductor.setTaskState({ ...run.step('setTaskState'), taskState: TaskState.REBOOTING_HARD });
      return host.reboot({ ...guest, type: 'HARD' });
    }
  });
}
