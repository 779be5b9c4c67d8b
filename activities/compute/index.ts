import { type PowerState } from '../../common/power-state';
import { type ImageCache } from '../../apps/worker-compute/image-cache';
import {
  type GuestInterface,
  GuestNotFound,
  type GuestSpec,
  type RebootType,
  type SpawnedGuest,
  type VirtDriver,
} from '../../apps/worker-compute/virt/driver';
import { asActivity } from './as-activity';
import { tailLines } from './console-tail';
import { createMoveActivities, type ProgressReporter } from './move-activities';

/** The guest an in-place action is about. */
export interface GuestRef {
  instanceUuid: string;
}

/** The power state the hypervisor reports once an action is done, for the workflow to record. */
export interface GuestPower {
  powerState: PowerState;
}

export interface ComputeDependencies {
  driver: VirtDriver;
  imageCache: ImageCache;
  /** Sends a live migration's progress to its workflow (the host has no database to write it to). */
  reportProgress: ProgressReporter;
}

/**
 * The host's side of every operation, registered on `compute.<host>` only: the conductor sends
 * everything a step needs, because this process has no database.
 */
export function createComputeActivities({ driver, imageCache, reportProgress }: ComputeDependencies) {
  /** The spec with the cached paths of its image (and of the image's kernel and ramdisk), when the driver reads them. */
  const withImage = async (spec: GuestSpec): Promise<GuestSpec> => {
    if (!driver.capabilities.needsImageData) return spec;
    const { kernel_id: kernelId, ramdisk_id: ramdiskId } = spec.image.properties;
    const [imagePath, kernelPath, ramdiskPath] = await Promise.all([
      imageCache.fetch(spec.image.id),
      kernelId ? imageCache.fetch(kernelId) : undefined,
      ramdiskId ? imageCache.fetch(ramdiskId) : undefined,
    ]);
    return { ...spec, imagePath, kernelPath, ramdiskPath };
  };

  /** Runs a power action, then asks the hypervisor what state the guest is in now. */
  const powerAction = (instanceUuid: string, action: () => Promise<void>): Promise<GuestPower> =>
    asActivity(async () => {
      await action();
      const { powerState } = await driver.getInfo(instanceUuid);
      return { powerState };
    });

  return {
    ...createMoveActivities({ driver, withImage, reportProgress }),

    /** Fetches the image into the host cache when the driver needs it, then creates the disks. */
    async prepareBlockDevices(spec: GuestSpec): Promise<void> {
      await asActivity(async () => driver.prepareBlockDevices(await withImage(spec)));
    },

    /** Defines and starts the guest; returns its power state and root device name. */
    async spawn(spec: GuestSpec): Promise<SpawnedGuest> {
      return asActivity(async () => driver.spawn(await withImage(spec)));
    },

    /**
     * A boot's whole part on the host in one step: the block devices, then the guest defined and
     * started. One activity instead of two saves the boot a round trip through the Temporal server
     * (schedule, dispatch, completion, workflow task); each half is idempotent, so a retry of the
     * whole is too.
     */
    async build(spec: GuestSpec): Promise<SpawnedGuest> {
      return asActivity(async () => {
        const withPaths = await withImage(spec);
        await driver.prepareBlockDevices(withPaths);
        return driver.spawn(withPaths);
      });
    },

    /** Powers the guest off and removes it; a guest already gone is fine. */
    async destroy(instanceUuid: string): Promise<void> {
      await asActivity(() => driver.destroy(instanceUuid));
    },

    /** Shuts the guest down cleanly, waiting up to timeoutSeconds, then powers it off. */
    async powerOff({
      instanceUuid,
      timeoutSeconds,
    }: GuestRef & { timeoutSeconds?: number }): Promise<GuestPower> {
      return powerAction(instanceUuid, () => driver.powerOff(instanceUuid, { timeoutSeconds }));
    },

    async powerOn({ instanceUuid }: GuestRef): Promise<GuestPower> {
      return powerAction(instanceUuid, () => driver.powerOn(instanceUuid));
    },

    async reboot({ instanceUuid, type }: GuestRef & { type: RebootType }): Promise<GuestPower> {
      return powerAction(instanceUuid, () => driver.reboot(instanceUuid, type));
    },

    async pause({ instanceUuid }: GuestRef): Promise<GuestPower> {
      return powerAction(instanceUuid, () => driver.pause(instanceUuid));
    },

    async unpause({ instanceUuid }: GuestRef): Promise<GuestPower> {
      return powerAction(instanceUuid, () => driver.unpause(instanceUuid));
    },

    async suspend({ instanceUuid }: GuestRef): Promise<GuestPower> {
      return powerAction(instanceUuid, () => driver.suspend(instanceUuid));
    },

    async resume({ instanceUuid }: GuestRef): Promise<GuestPower> {
      return powerAction(instanceUuid, () => driver.resume(instanceUuid));
    },

    /** The power state of every guest on the host, by instance uuid: what the power-state sync compares. */
    async guestPowerStates(): Promise<Record<string, number>> {
      return asActivity(async () => Object.fromEntries(await driver.listGuests()));
    },

    /**
     * The guest's interfaces brought in line with its ports (an external network event); present
     * false when this host has no such guest (not spawned yet, or a move's other side without one).
     */
    async syncInterfaces({
      instanceUuid,
      interfaces,
      asOf,
    }: GuestRef & { interfaces: GuestInterface[]; asOf: number }): Promise<{ present: boolean }> {
      return asActivity(async () => {
        try {
          await driver.syncInterfaces(instanceUuid, interfaces, asOf);
          return { present: true };
        } catch (error) {
          if (error instanceof GuestNotFound) return { present: false };
          throw error;
        }
      });
    },

    /** The guest's serial console log, or its last `length` lines (-1 or none: all of it). */
    async getConsoleOutput({
      instanceUuid,
      length,
    }: GuestRef & { length?: number }): Promise<{ output: string }> {
      return asActivity(async () => ({
        output: tailLines(await driver.getConsoleOutput(instanceUuid), length),
      }));
    },
  };
}

export type ComputeActivities = ReturnType<typeof createComputeActivities>;
