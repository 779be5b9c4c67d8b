import { log } from '@temporalio/workflow';
import { hostActivities } from '../host-activities';

/**
 * The guests a host has now and their power states, asked once: a host that does not take the
 * question within 30 s fails it rather than holding the workflow up.
 */
export function guestsOnHost(host: string): Promise<Record<string, number>> {
  return hostActivities(host, {
    scheduleToStartTimeout: '30 seconds',
    startToCloseTimeout: '1 minute',
    retry: { maximumAttempts: 1 },
  }).guestPowerStates();
}

/** Cleans a guest off a host; a host that is gone destroys it when it reports again. */
export async function destroyQuietly(host: string, instanceUuid: string): Promise<void> {
  try {
    await hostActivities(host).destroy(instanceUuid);
  } catch (error) {
    log.warn('could not destroy the guest on its host', { host, instanceUuid, error: String(error) });
  }
}
