import { log } from '@temporalio/workflow';
import { hostActivities } from '../host-activities';

/** Cleans a guest off a host; a host that is gone destroys it when it reports again. */
export async function destroyQuietly(host: string, instanceUuid: string): Promise<void> {
  try {
    await hostActivities(host).destroy(instanceUuid);
  } catch (error) {
    log.warn('could not destroy the guest on its host', { host, instanceUuid, error: String(error) });
  }
}
