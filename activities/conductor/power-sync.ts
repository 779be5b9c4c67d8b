import { type Client } from '@temporalio/client';
import { type DataSource } from 'typeorm';
import { recordFinishedEvent } from '../../common/compute/instance-actions';
import {
  claimAndQueue,
  isLaunched,
  launchOf,
  startIfQueued,
  taskIdOf,
} from '../../common/compute/operation-launch';
import { type Config } from '../../common/config';
import { powerMismatch } from '../../common/compute/power-sync-rules';
import { PowerState } from '../../common/power-state';
import { Instance } from '../../entities';

/** An instance whose guest does not run as its vm_state says, and what Nova does about it. */
export interface PowerMismatch {
  instanceUuid: string;
  vmState: string;
  /** What the host reports. */
  powerState: number;
  /** Nova's words for it, recorded in the stop's instance action. */
  reason: string;
}

/**
 * The conductor's steps of the power-state sync: compare what a host reports with the database
 * (the power states of its idle instances updated, bottom-up), and stop a mismatched instance
 * through the normal stop path, recorded as an instance action of the sync.
 */
export function createPowerSyncSteps(deps: { dataSource: DataSource; config: Config; temporal: Client }) {
  const { dataSource, config, temporal } = deps;

  /** The sync acts as the service user, as Nova's periodic task acts with the service's context. */
  const serviceActor = async () => {
    const [user]: { user_id: string; project_id: string | null }[] = await dataSource.query(
      `SELECT u.id AS user_id, p.id AS project_id FROM users u LEFT JOIN projects p ON p.name = $2
        WHERE u.name = $1 LIMIT 1`,
      [config.service_user.username, config.service_user.project_name],
    );
    return { userId: user?.user_id ?? config.service_user.username, projectId: user?.project_id ?? '' };
  };

  return {
    /** Updates the idle instances' power states from the host's answer; returns the mismatches Nova stops. */
    async syncPowerStates(input: { host: string; guests: Record<string, number> }): Promise<PowerMismatch[]> {
      const rows: { uuid: string; vm_state: string; power_state: number }[] = await dataSource.query(
        `SELECT uuid, vm_state, power_state FROM instances
          WHERE host = $1 AND deleted_at IS NULL AND task_id IS NULL AND task_state IS NULL`,
        [input.host],
      );
      const mismatches: PowerMismatch[] = [];
      for (const row of rows) {
        const powerState = input.guests[row.uuid] ?? PowerState.NOSTATE;
        if (powerState !== row.power_state)
          await dataSource.query(
            `UPDATE instances SET power_state = $2, updated_at = now()
              WHERE uuid = $1 AND task_id IS NULL AND power_state <> $2`,
            [row.uuid, powerState],
          );
        const reason = powerMismatch(row.vm_state, powerState);
        if (reason) mismatches.push({ instanceUuid: row.uuid, vmState: row.vm_state, powerState, reason });
      }
      return mismatches;
    },

    /**
     * Stops the instance as Nova's force_stop (the stop workflow, from any of those vm_states),
     * once: a second run finds its instance action. False when another task took it meanwhile.
     */
    async stopMismatched(input: {
      host: string;
      mismatch: PowerMismatch;
      requestId: string;
    }): Promise<boolean> {
      const { mismatch, requestId } = input;
      const workflowId = taskIdOf('force_stop', mismatch.instanceUuid, requestId);
      const launched = await dataSource.transaction(async (db) => {
        if (await isLaunched(db, mismatch.instanceUuid, requestId)) return true;
        const instance = await db.getRepository(Instance).findOneBy({ uuid: mismatch.instanceUuid });
        if (!instance || instance.host !== input.host || instance.vmState !== mismatch.vmState) return false;
        const launch = launchOf('force_stop', instance, requestId, {}, { user: 'power-state sync' });
        const claimant = { ...(await serviceActor()), overrideLock: true };
        const claim = await claimAndQueue(db, claimant, 'force_stop', launch, requestId);
        if (claim.outcome !== 'claimed') return false;
        await recordFinishedEvent(db, instance.uuid, requestId, 'power_sync', {
          host: input.host,
          details: `vm_state ${mismatch.vmState}, power_state ${mismatch.powerState} on the host: ${mismatch.reason}`,
        });
        return true;
      });
      if (launched) await startIfQueued(temporal, dataSource.manager, workflowId);
      return launched;
    },
  };
}
