import { type DataSource } from 'typeorm';
import { type GuestInterface } from '../../common/compute/guest-spec';
import { Instance } from '../../entities';
import { type InstanceNetworking } from './networking';

/** The statuses after which a move has no copy of the guest on its other side to tell. */
const MOVE_ENDED = ['confirmed', 'reverted', 'completed', 'cancelled', 'error', 'failed', 'done'];

/** Where an external event goes: the instance's host, with its interfaces as its ports are now. */
export interface EventTarget {
  host: string;
  /** The other side of a move under way (a resize's source until confirmed, say), as Nova tells both. */
  moveHosts: string[];
  interfaces: GuestInterface[];
  /** When the ports were read (ms), so that the host keeps the newest of syncs that cross. */
  asOf: number;
}

/** The conductor's step of the server events workflow. */
export function createServerEventSteps(deps: { dataSource: DataSource; networking: InstanceNetworking }) {
  return {
    /**
     * The instance's host and its interfaces now; null for an instance that is deleted or on no
     * host (nothing to tell). Read at delivery, not when the event was queued: every event makes
     * the host converge on the latest state, however events cross. A move under way adds its
     * other side (Nova's _get_relevant_hosts), whose copy a revert would bring back.
     */
    async eventTarget({ instanceUuid }: { instanceUuid: string }): Promise<EventTarget | null> {
      const db = deps.dataSource.manager;
      const instance = await db.getRepository(Instance).findOneBy({ uuid: instanceUuid });
      if (!instance || instance.deletedAt || !instance.host) return null;
      const asOf = Date.now();
      const moves: { source_compute: string | null; dest_compute: string | null }[] = await db.query(
        `SELECT source_compute, dest_compute FROM instance_migrations
          WHERE instance_uuid = $1 AND deleted_at IS NULL AND NOT (status = ANY($2))`,
        [instanceUuid, MOVE_ENDED],
      );
      const moveHosts = [
        ...new Set(moves.flatMap((move) => [move.source_compute, move.dest_compute])),
      ].filter((host): host is string => host !== null && host !== instance.host);
      return {
        host: instance.host,
        moveHosts,
        interfaces: await deps.networking.interfaces(db, instance),
        asOf,
      };
    },
  };
}
