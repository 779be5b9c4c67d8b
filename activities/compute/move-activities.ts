import { CancelledFailure, Context } from '@temporalio/activity';
import {
  type GuestSpec,
  LiveMigrationAborted,
  type LiveMigrationProgress,
  type SpawnedGuest,
  type VirtDriver,
  VirtDriverError,
} from '../../apps/worker-compute/virt/driver';
import { asActivity, driverFailure } from './as-activity';

/** Sends a live migration's progress to the workflow that runs it. */
export type ProgressReporter = (workflowId: string, progress: LiveMigrationProgress) => Promise<void>;

/** At most one progress report per this many milliseconds reaches the workflow (each is a history event). */
const PROGRESS_EVERY_MS = 1000;
const HEARTBEAT_EVERY_MS = 1000;

interface MoveDependencies {
  driver: VirtDriver;
  withImage(spec: GuestSpec): Promise<GuestSpec>;
  reportProgress: ProgressReporter;
}

/**
 * The long copy of a live migration: heartbeats (so a dead source is noticed), forwards progress
 * to the workflow at most once a second, and is the one host activity that stops when cancelled
 * (an abort): the driver stops the copy and the guest stays on the source.
 */
async function copyLive(
  { driver, reportProgress }: MoveDependencies,
  input: { instanceUuid: string; destHost: string; forceComplete?: boolean },
): Promise<void> {
  const context = Context.current();
  const workflowId = context.info.workflowExecution?.workflowId;
  let lastSent = 0;
  let latest: LiveMigrationProgress | undefined;
  const beat = setInterval(() => context.heartbeat(latest), HEARTBEAT_EVERY_MS);
  try {
    await driver.liveMigrate(input.instanceUuid, input.destHost, {
      signal: context.cancellationSignal,
      forceComplete: input.forceComplete,
      onProgress(progress) {
        latest = progress;
        if (!workflowId || Date.now() - lastSent < PROGRESS_EVERY_MS) return;
        lastSent = Date.now();
        reportProgress(workflowId, progress).catch((error: Error) =>
          context.log.warn('could not report live migration progress', { error: error.message }),
        );
      },
    });
  } catch (error) {
    if (error instanceof LiveMigrationAborted) throw new CancelledFailure(error.message);
    if (error instanceof VirtDriverError) throw driverFailure(error);
    throw error;
  } finally {
    clearInterval(beat);
  }
}

/** The host's side of resize, migrate, live migration and evacuation (which rebuilds with spawn). */
export function createMoveActivities(deps: MoveDependencies) {
  const { driver, withImage } = deps;
  return {
    /** Source of a cold move: the guest off and its disks copied for the destination. */
    async migrateDiskAndPowerOff(input: {
      instanceUuid: string;
      destHost: string;
      timeoutSeconds?: number;
    }): Promise<void> {
      await asActivity(() =>
        driver.migrateDiskAndPowerOff(input.instanceUuid, input.destHost, {
          timeoutSeconds: input.timeoutSeconds,
        }),
      );
    },

    /** Destination of a cold move: the guest with its new flavor, started when it ran before. */
    async finishMigration({ spec, powerOn }: { spec: GuestSpec; powerOn: boolean }): Promise<SpawnedGuest> {
      return asActivity(async () => driver.finishMigration(await withImage(spec), powerOn));
    },

    async confirmMigration(instanceUuid: string): Promise<void> {
      await asActivity(() => driver.confirmMigration(instanceUuid));
    },

    /** Source of a reverted move: its own copy, old flavor, is the guest again. */
    async finishRevertMigration({
      spec,
      powerOn,
    }: {
      spec: GuestSpec;
      powerOn: boolean;
    }): Promise<SpawnedGuest> {
      return asActivity(() => driver.finishRevertMigration(spec, powerOn));
    },

    async checkCanLiveMigrateDestination({ spec, sourceHost }: { spec: GuestSpec; sourceHost: string }) {
      await asActivity(() => driver.checkCanLiveMigrateDestination(spec, sourceHost));
    },

    async checkCanLiveMigrateSource({ instanceUuid, destHost }: { instanceUuid: string; destHost: string }) {
      await asActivity(() => driver.checkCanLiveMigrateSource(instanceUuid, destHost));
    },

    async preLiveMigration(spec: GuestSpec): Promise<void> {
      await asActivity(async () => driver.preLiveMigration(await withImage(spec)));
    },

    liveMigrate(input: { instanceUuid: string; destHost: string; forceComplete?: boolean }): Promise<void> {
      return copyLive(deps, input);
    },

    async liveMigrationForceComplete(instanceUuid: string): Promise<void> {
      await asActivity(() => driver.liveMigrationForceComplete(instanceUuid));
    },

    async postLiveMigrationAtDestination({
      instanceUuid,
      paused,
    }: {
      instanceUuid: string;
      paused: boolean;
    }): Promise<SpawnedGuest> {
      return asActivity(() => driver.postLiveMigrationAtDestination(instanceUuid, paused));
    },
  };
}
