/**
 * Names of the failures conductor and host activities raise on purpose, and Nova's fault
 * messages: shared by the activities that raise them and the workflows that read them. Pure data:
 * workflows import this file.
 */
export const FailureType = {
  /** The instance's task_id is no longer the workflow's: a delete took the instance over. */
  TASK_PREEMPTED: 'TaskPreempted',
  /** The network service refused the instance's ports; retrying will not help. */
  NETWORK_ALLOCATION_FAILED: 'NetworkAllocationFailed',
  /** The virt driver refused; its details say whether another host might do better. */
  VIRT_DRIVER_ERROR: 'VirtDriverError',
  /** A step asked for what its operation does not declare (a bug): retrying cannot help. */
  STEP_REFUSED: 'StepRefused',
  /** The operation cannot go on (no valid host, hosts exhausted, ...); its details carry the fault. */
  OPERATION_FAILED: 'OperationFailed',
} as const;

/** Nova's NoValidHost. */
export const NO_VALID_HOST = 'No valid host was found. There are not enough hosts available.';

/** Nova's MaxRetriesExceeded. */
export const retriesExceeded = (uuid: string) =>
  `Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures for instance ${uuid}.`;

/** Nova's BuildAbortException for a network that could not be allocated. */
export const networkAllocationFailed = (uuid: string) =>
  `Build of instance ${uuid} aborted: Failed to allocate the network(s), not rescheduling.`;
