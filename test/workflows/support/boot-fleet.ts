import { ApplicationFailure } from '@temporalio/common';
import type { Destination } from '../../../activities/conductor/build-instance';
import type { GuestInterface, GuestSpec } from '../../../common/compute/guest-spec';
import { FailureType } from '../../../common/compute/failures';
import { PowerState } from '../../../common/power-state';
import type { ConductorFakes, HostFakes } from './fakes';

export const destination = (host: string, computeNodeId: number): Destination => ({
  host,
  node: `${host}.node`,
  computeNodeId,
});

export const HOST_A = destination('compute-a', 1);
export const HOST_B = destination('compute-b', 2);

export const PORT: GuestInterface = {
  portId: 'port-1',
  networkId: 'net-1',
  networkName: 'private',
  macAddress: 'fa:16:3e:00:00:01',
  fixedIps: ['10.0.0.5'],
};

/** What prepareBuild (prepareOnHost before it) hands the host: enough of a GuestSpec to tell hosts apart. */
export const specFor = (instanceUuid: string, host: string, interfaces: GuestInterface[]): GuestSpec => ({
  instanceUuid,
  name: `instance-on-${host}`,
  hostname: 'vm1',
  flavor: {
    flavorid: '1',
    name: 'm1.tiny',
    vcpus: 1,
    memoryMb: 512,
    rootGb: 1,
    ephemeralGb: 0,
    swap: 0,
    extraSpecs: {},
  },
  image: { id: 'cirros', properties: {} },
  interfaces,
  userData: null,
  keyData: null,
  metadata: {},
});

/** A conductor whose every boot step succeeds: scheduled on A with B as alternate. */
export function bootConductor(overrides: ConductorFakes = {}): ConductorFakes {
  return {
    scheduleInstance: async () => ({ destinations: [HOST_A, HOST_B] }),
    allocateNetwork: async () => [PORT],
    claimAlternate: async () => true,
    prepareOnHost: async ({ instanceUuid, destination, interfaces }) =>
      specFor(instanceUuid, destination.host, interfaces),
    prepareBuild: async ({ instanceUuid, destination }) => specFor(instanceUuid, destination.host, [PORT]),
    setTaskState: async () => undefined,
    abandonHost: async () => undefined,
    finishBuild: async () => undefined,
    releaseBuildResources: async () => undefined,
    failOperation: async () => undefined,
    ...overrides,
  };
}

/**
 * A host that builds guests (running, /dev/vda) and destroys them. Its `build` runs its own
 * prepareBlockDevices and spawn, as the real activity runs the driver's, so a test that makes one
 * of them fail or hang does so for the boot's one host step too.
 */
export function healthyHost(overrides: HostFakes = {}): HostFakes {
  const host: HostFakes = {
    prepareBlockDevices: async () => undefined,
    spawn: async () => ({ powerState: PowerState.RUNNING, rootDeviceName: '/dev/vda' }),
    destroy: async () => undefined,
    ...overrides,
  };
  return {
    build: async (spec) => {
      await host.prepareBlockDevices!(spec);
      return host.spawn!(spec);
    },
    ...host,
  };
}

/** What the compute activities throw for a VirtDriverError (activities/compute/index.ts). */
export function virtDriverError(message: string, retryOnAnotherHost = true): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureType.VIRT_DRIVER_ERROR,
    message,
    nonRetryable: true,
    details: [{ retryOnAnotherHost }],
  });
}

/** What assertOwnedBy throws once a delete has taken the instance's task. */
export function taskPreempted(taskId: string): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureType.TASK_PREEMPTED,
    message: `task ${taskId} no longer owns the instance`,
    nonRetryable: true,
  });
}
