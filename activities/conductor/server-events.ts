import { type DataSource } from 'typeorm';
import { type GuestInterface } from '../../common/compute/guest-spec';
import { Instance } from '../../entities';
import { type InstanceNetworking } from './networking';

/** Where an external event goes: the instance's host, with its interfaces as its ports are now. */
export interface EventTarget {
  host: string;
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
     * the host converge on the latest state, however events cross.
     */
    async eventTarget({ instanceUuid }: { instanceUuid: string }): Promise<EventTarget | null> {
      const db = deps.dataSource.manager;
      const instance = await db.getRepository(Instance).findOneBy({ uuid: instanceUuid });
      if (!instance || instance.deletedAt || !instance.host) return null;
      const asOf = Date.now();
      return { host: instance.host, interfaces: await deps.networking.interfaces(db, instance), asOf };
    },
  };
}
