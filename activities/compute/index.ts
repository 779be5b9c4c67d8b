import { ApplicationFailure } from '@temporalio/activity';
import { FailureType } from '../../common/compute/failures';
import { type ImageCache } from '../../apps/worker-compute/image-cache';
import {
  type GuestSpec,
  type SpawnedGuest,
  type VirtDriver,
  VirtDriverError,
} from '../../apps/worker-compute/virt/driver';
import { withHeartbeat } from './heartbeat';

export interface ComputeDependencies {
  driver: VirtDriver;
  imageCache: ImageCache;
}

/** A driver's refusal ends the attempt on this host; the workflow decides whether to try another. */
async function asActivity<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await withHeartbeat(work);
  } catch (error) {
    if (error instanceof VirtDriverError) {
      throw ApplicationFailure.create({
        type: FailureType.VIRT_DRIVER_ERROR,
        message: error.message,
        nonRetryable: true,
        details: [{ retryOnAnotherHost: error.retryOnAnotherHost }],
      });
    }
    throw error;
  }
}

/**
 * The host's side of every operation, registered on `compute.<host>` only: the conductor sends
 * everything a step needs, because this process has no database.
 */
export function createComputeActivities({ driver, imageCache }: ComputeDependencies) {
  const withImage = async (spec: GuestSpec): Promise<GuestSpec> =>
    driver.capabilities.needsImageData ? { ...spec, imagePath: await imageCache.fetch(spec.image.id) } : spec;

  return {
    /** Fetches the image into the host cache when the driver needs it, then creates the disks. */
    async prepareBlockDevices(spec: GuestSpec): Promise<void> {
      await asActivity(async () => driver.prepareBlockDevices(await withImage(spec)));
    },

    /** Defines and starts the guest; returns its power state and root device name. */
    async spawn(spec: GuestSpec): Promise<SpawnedGuest> {
      return asActivity(async () => driver.spawn(await withImage(spec)));
    },

    /** Powers the guest off and removes it; a guest already gone is fine. */
    async destroy(instanceUuid: string): Promise<void> {
      await asActivity(() => driver.destroy(instanceUuid));
    },
  };
}

export type ComputeActivities = ReturnType<typeof createComputeActivities>;
