import { type GuestSpec } from '../../common/compute/guest-spec';
import { NO_VALID_HOST } from '../../common/compute/failures';
import { OPERATIONS, TaskState, VmState } from '../../common/compute/instance-states';
import { type Config } from '../../common/config';
import { type Logger } from '../../common/logger';
import { type DataSource } from 'typeorm';
import { guestSpecOf } from './guest-specs';
import { finishEvent, startEvent } from './instance-actions';
import { finishSpawned, updateInstance } from './instance-tasks';
import { type InstanceNetworking } from './networking';
import { ledgered, type StepInput } from './operations/step-ledger';
import { createDestinations } from './scheduler/destinations';

/** Nova's conductor event of a rebuild (an EventReporter's name, no `conductor_` prefix). */
export const REBUILD_SERVER_EVENT = 'rebuild_server';
const REBUILD_EVENT = OPERATIONS.rebuild.event;

/** An image as the request spec holds it. */
export interface SpecImage {
  id: string;
  properties: Record<string, string>;
}

export interface RebuildDependencies {
  dataSource: DataSource;
  config: Config;
  logger: Logger;
  networking: InstanceNetworking;
}

/** The conductor's steps of a rebuild (Nova's conductor rebuild_instance and the compute's DB saves). */
export function createRebuildActivities({ dataSource, config, logger, networking }: RebuildDependencies) {
  const destinations = createDestinations({ config, logger });

  return {
    /**
     * Nova's conductor part: a rebuild with a new image (`origImage` is the one it replaces) asks
     * the scheduler whether the instance's own host passes the filters for the new image. When it
     * does not, the image the API wrote is rolled back and the event ends in error (NoValidHost).
     */
    checkRebuildImage: ledgered(
      dataSource,
      async (db, instance, step: StepInput & { origImage?: SpecImage }): Promise<{ passes: boolean }> => {
        await startEvent(db, instance.uuid, step.requestId, REBUILD_SERVER_EVENT);
        const passes =
          !step.origImage || (await destinations.hostPassesFilters(db, instance, instance.requestSpec.image));
        if (!passes && step.origImage) {
          await updateInstance(db, instance.uuid, {
            imageRef: step.origImage.id,
            requestSpec: { ...instance.requestSpec, image: step.origImage },
          });
        }
        await finishEvent(db, instance.uuid, step.requestId, REBUILD_SERVER_EVENT, {
          result: passes ? 'Success' : 'Error',
          ...(!passes && { traceback: NO_VALID_HOST }),
        });
        return { passes };
      },
    ),

    /** task_state rebuild_block_device_mapping: the guest as the host must build it anew (its new image). */
    rebuildGuestSpec: ledgered(dataSource, async (db, instance): Promise<GuestSpec> => {
      await updateInstance(db, instance.uuid, { taskState: TaskState.REBUILD_BLOCK_DEVICE_MAPPING });
      return guestSpecOf(db, config, instance, await networking.interfaces(db, instance));
    }),

    /**
     * The rebuild is over (Nova's _update_instance_after_spawn): ACTIVE, or STOPPED for a server
     * that was stopped; no task; launched_at now.
     */
    finishRebuild: ledgered(
      dataSource,
      async (
        db,
        instance,
        step: StepInput & {
          vmState: typeof VmState.ACTIVE | typeof VmState.STOPPED;
          powerState: number;
          rootDeviceName: string;
        },
      ) => {
        await finishSpawned(db, instance.uuid, { ...step, event: REBUILD_EVENT });
      },
    ),
  };
}
