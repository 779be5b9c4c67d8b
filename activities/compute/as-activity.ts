import { ApplicationFailure } from '@temporalio/activity';
import { FailureType } from '../../common/compute/failures';
import { VirtDriverError } from '../../apps/worker-compute/virt/driver';
import { withHeartbeat } from './heartbeat';

/** A driver's refusal as the activity's failure: no retry here; the workflow decides whether another host may do better. */
export function driverFailure(error: VirtDriverError): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureType.VIRT_DRIVER_ERROR,
    message: error.message,
    nonRetryable: true,
    details: [{ retryOnAnotherHost: error.retryOnAnotherHost }],
  });
}

/** Runs a driver call as a heartbeating host activity; a driver's refusal ends the attempt on this host. */
export async function asActivity<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await withHeartbeat(work);
  } catch (error) {
    if (error instanceof VirtDriverError) throw driverFailure(error);
    throw error;
  }
}
