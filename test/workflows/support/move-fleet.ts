import { Context } from '@temporalio/activity';
import type { MoveStart } from '../../../activities/conductor/moves/move-steps';
import type { FlavorSnapshot } from '../../../entities';
import { VmState } from '../../../common/compute/instance-states';
import { type MigrationType } from '../../../common/compute/migrations';
import { PowerState } from '../../../common/power-state';
import { HOST_A, HOST_B, healthyHost, PORT, specFor } from './boot-fleet';
import type { ConductorFakes, HostFakes } from './fakes';

export { HOST_A, HOST_B };

const flavor = (flavorid: string, vcpus: number, memoryMb: number): FlavorSnapshot => ({
  flavorid,
  name: `m1.${flavorid}`,
  vcpus,
  memoryMb,
  rootGb: 1,
  ephemeralGb: 0,
  swap: 0,
  extraSpecs: {},
});

export const OLD_FLAVOR = flavor('1', 1, 512);
export const NEW_FLAVOR = flavor('2', 2, 2048);

/** What beginMove says of an instance on compute-a in `vmState`. */
export function moveStart(migrationType: MigrationType, vmState: string = VmState.ACTIVE): MoveStart {
  return {
    migrationType,
    sourceHost: HOST_A.host,
    sourceNode: HOST_A.node,
    vmState,
    powerState:
      vmState === VmState.STOPPED
        ? PowerState.SHUTDOWN
        : vmState === VmState.PAUSED
          ? PowerState.PAUSED
          : PowerState.RUNNING,
    oldFlavor: OLD_FLAVOR,
    newFlavor: migrationType === 'resize' ? NEW_FLAVOR : OLD_FLAVOR,
  };
}

/** The move steps every kind of move shares: begin on compute-a, scheduled on B (C as alternate). */
export const HOST_C = { host: 'compute-c', node: 'compute-c.node', computeNodeId: 3 };

export function moveConductor(
  migrationType: MigrationType,
  vmState: string = VmState.ACTIVE,
  overrides: ConductorFakes = {},
): ConductorFakes {
  return {
    beginMove: async () => moveStart(migrationType, vmState),
    revertMove: async () => undefined,
    scheduleMove: async () => ({ destinations: [HOST_B, HOST_C] }),
    claimMoveAlternate: async () => true,
    abandonMoveHost: async () => undefined,
    hostCapabilities: async () => ({
      supportsEvacuate: true,
      supportsMigrateToSameHost: false,
      supportsLiveMigration: true,
    }),
    advanceMove: async () => undefined,
    finishMoveEvent: async () => undefined,
    destinationSpec: async ({ instanceUuid, destHost }) => specFor(instanceUuid, destHost, [PORT]),
    setTaskState: async () => undefined,
    failOperation: async () => undefined,
    ...overrides,
  };
}

/** A resize's conductor: the move steps, then finish, decide (confirm by default) and the two endings. */
export function resizeConductor(vmState: string = VmState.ACTIVE, overrides: ConductorFakes = {}) {
  return moveConductor('resize', vmState, {
    finishResize: async () => undefined,
    decideResize: async ({ requestId }) => ({ decision: 'confirm', requestId }),
    beginConfirm: async () => undefined,
    finishConfirm: async () => undefined,
    beginRevert: async () => undefined,
    revertToSource: async ({ instanceUuid }) => specFor(instanceUuid, HOST_A.host, [PORT]),
    finishRevert: async () => undefined,
    releaseResizeSource: async () => undefined,
    ...overrides,
  });
}

export function liveMigrationConductor(vmState: string = VmState.ACTIVE, overrides: ConductorFakes = {}) {
  return moveConductor('live-migration', vmState, {
    acquireLiveMigrationSlot: async () => true,
    recordLiveMigrationProgress: async () => undefined,
    finishLiveMigration: async () => undefined,
    releaseAbortedMove: async () => undefined,
    ...overrides,
  });
}

export function evacuateConductor(vmState: string = VmState.ACTIVE, overrides: ConductorFakes = {}) {
  return moveConductor('evacuation', vmState, {
    placeEvacuee: async ({ instanceUuid, destination }) => specFor(instanceUuid, destination.host, [PORT]),
    finishEvacuation: async () => undefined,
    ...overrides,
  });
}

/** A host that does its part of every move: cold, live and evacuation (spawn, powerOff). */
export function movingHost(overrides: HostFakes = {}): HostFakes {
  return healthyHost({
    migrateDiskAndPowerOff: async () => undefined,
    finishMigration: async ({ powerOn }) => ({
      powerState: powerOn ? PowerState.RUNNING : PowerState.SHUTDOWN,
      rootDeviceName: '/dev/vda',
    }),
    confirmMigration: async () => undefined,
    finishRevertMigration: async ({ powerOn }) => ({
      powerState: powerOn ? PowerState.RUNNING : PowerState.SHUTDOWN,
      rootDeviceName: '/dev/vda',
    }),
    checkCanLiveMigrateDestination: async () => undefined,
    checkCanLiveMigrateSource: async () => undefined,
    preLiveMigration: async () => undefined,
    liveMigrate: async () => undefined,
    liveMigrationForceComplete: async () => undefined,
    postLiveMigrationAtDestination: async ({ paused }) => ({
      powerState: paused ? PowerState.PAUSED : PowerState.RUNNING,
      rootDeviceName: '/dev/vda',
    }),
    powerOff: async () => ({ powerState: PowerState.SHUTDOWN }),
    ...overrides,
  });
}

/** A promise the test resolves or rejects from outside. */
export function gate<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * A long host activity that heartbeats until `until` settles (then ends as it does) or it is
 * cancelled (then it takes `stopMs` to stop, as a driver stopping a copy, and records when it did).
 */
export function heartbeatingUntil(until: Promise<void>, stopMs = 0, stopped: { at?: number } = {}) {
  return async () => {
    const context = Context.current();
    let done = false;
    let failure: unknown;
    until.then(
      () => void (done = true),
      (error) => {
        failure = error;
        done = true;
      },
    );
    try {
      while (!done) {
        context.heartbeat();
        await context.sleep(50);
      }
    } catch (cancelled) {
      await new Promise((resolve) => setTimeout(resolve, stopMs));
      stopped.at = Date.now();
      throw cancelled;
    }
    if (failure) throw failure;
  };
}
