import { log, uuid4 } from '@temporalio/workflow';
import { conductor } from './conductor-activities';
import { guestsOnHost } from './engine/guest-on-host';

export interface PowerSyncInput {
  host: string;
}

/** What one sync pass did: the instances it stopped, and those another task took first. */
export interface PowerSyncResult {
  stopped: string[];
  skipped: string[];
}

/**
 * Nova's _sync_power_states for one host, started by its Temporal Schedule: the host says what
 * its guests are, the conductor updates the idle instances' power states and names the guests
 * that disagree with their vm_state as Nova's table has it (ACTIVE but shut down, STOPPED but
 * running, ...); each is stopped through the stop path, its instance action recording why.
 * A host that does not answer is skipped until the next pass.
 */
export async function powerSyncWorkflow({ host }: PowerSyncInput): Promise<PowerSyncResult> {
  const guests = await guestsOnHost(host);
  const mismatches = await conductor.syncPowerStates({ host, guests });
  const result: PowerSyncResult = { stopped: [], skipped: [] };
  for (const mismatch of mismatches) {
    log.warn(mismatch.reason, { host, instanceUuid: mismatch.instanceUuid, vmState: mismatch.vmState });
    const stopped = await conductor.stopMismatched({ host, mismatch, requestId: `req-${uuid4()}` });
    (stopped ? result.stopped : result.skipped).push(mismatch.instanceUuid);
  }
  return result;
}
