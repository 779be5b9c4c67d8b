import { ApplicationFailure } from '@temporalio/common';
import type { ServerEventsInput } from '../../common/compute/server-event-names';
import { FailureType } from '../../common/compute/failures';
import { recordHistory, Testbed } from './support/testbed';

let testbed: Testbed;
beforeAll(async () => {
  testbed = await Testbed.create();
});
afterAll(() => testbed?.teardown());

const nic = (portId: string, fixedIps: string[]) => ({
  portId,
  networkId: 'net-1',
  networkName: 'private',
  macAddress: 'fa:16:3e:00:00:01',
  fixedIps,
});

/** External events (os-server-external-events, or a port changed under a server): delivered to its host. */
describe('server events workflow', () => {
  it("syncs the guest's interfaces on the instance's host with its ports as they are now", async () => {
    const target = { host: 'compute-a', moveHosts: [], interfaces: [nic('p-2', ['10.0.0.9'])], asOf: 1234 };
    const conductor = { eventTarget: async () => target };
    const hosts = { 'compute-a': { syncInterfaces: async () => ({ present: true }) } };
    await testbed.run({ conductor, hosts }, async (journal) => {
      const input: ServerEventsInput = {
        instanceUuid: 'i-1',
        events: [{ name: 'network-vif-deleted', tag: 'p-1', status: 'completed' }],
      };
      const handle = await testbed.start('serverEventsWorkflow', `server-events-i-1-${Date.now()}`, input);
      await handle.result();
      expect(journal.names()).toEqual(['conductor.eventTarget', 'compute-a.syncInterfaces']);
      expect(journal.inputsOf('compute-a.syncInterfaces')).toEqual([
        { instanceUuid: 'i-1', interfaces: target.interfaces, asOf: 1234 },
      ]);
      await recordHistory('server-events', handle);
    });
  });

  it('tells no host of an instance deleted or on no host, nor of events the host does not act on', async () => {
    const hosts = { 'compute-a': { syncInterfaces: async () => ({ present: true }) } };
    await testbed.run({ conductor: { eventTarget: async () => null }, hosts }, async (journal) => {
      const gone: ServerEventsInput = {
        instanceUuid: 'i-2',
        events: [{ name: 'network-changed', tag: 'p-1', status: 'completed' }],
      };
      await (await testbed.start('serverEventsWorkflow', `server-events-i-2-${Date.now()}`, gone)).result();
      const plugged: ServerEventsInput = {
        instanceUuid: 'i-3',
        events: [{ name: 'network-vif-plugged', tag: 'p-1', status: 'completed' }],
      };
      await (
        await testbed.start('serverEventsWorkflow', `server-events-i-3-${Date.now()}`, plugged)
      ).result();
      expect(journal.names()).toEqual(['conductor.eventTarget']);
    });
  });

  it('tries again, reading the host anew, while the guest is not on its host yet', async () => {
    let tries = 0;
    const conductor = {
      eventTarget: async () => ({
        host: tries === 0 ? 'compute-a' : 'compute-b',
        moveHosts: [],
        interfaces: [],
        asOf: tries,
      }),
    };
    const notThere = async () => {
      tries++;
      return { present: false };
    };
    const hosts = {
      'compute-a': { syncInterfaces: notThere },
      'compute-b': { syncInterfaces: async () => ({ present: true }) },
    };
    await testbed.run({ conductor, hosts }, async (journal) => {
      const input: ServerEventsInput = {
        instanceUuid: 'i-4',
        events: [{ name: 'network-changed', tag: 'p-1', status: 'completed' }],
        retrySeconds: 1,
      };
      await (await testbed.start('serverEventsWorkflow', `server-events-i-4-${Date.now()}`, input)).result();
      expect(journal.names()).toEqual([
        'conductor.eventTarget',
        'compute-a.syncInterfaces',
        'conductor.eventTarget',
        'compute-b.syncInterfaces',
      ]);
    });
  });

  it("tells a move's other side too, which may have no copy of the guest", async () => {
    const conductor = {
      eventTarget: async () => ({ host: 'dest', moveHosts: ['source'], interfaces: [], asOf: 1 }),
    };
    const hosts = {
      dest: { syncInterfaces: async () => ({ present: true }) },
      source: { syncInterfaces: async () => ({ present: false }) },
    };
    await testbed.run({ conductor, hosts }, async (journal) => {
      const input: ServerEventsInput = {
        instanceUuid: 'i-5',
        events: [{ name: 'network-vif-deleted', tag: 'p-1', status: 'completed' }],
        retrySeconds: 1,
      };
      await (await testbed.start('serverEventsWorkflow', `server-events-i-5-${Date.now()}`, input)).result();
      expect(journal.names()).toEqual([
        'conductor.eventTarget',
        'dest.syncInterfaces',
        'source.syncInterfaces',
      ]);
    });
  });

  it('tries again when the host fails, and gives up after its rounds', async () => {
    const conductor = { eventTarget: async () => ({ host: 'down', moveHosts: [], interfaces: [], asOf: 1 }) };
    const failing = async () => {
      throw ApplicationFailure.create({
        type: FailureType.VIRT_DRIVER_ERROR,
        message: 'broken',
        nonRetryable: true,
      });
    };
    await testbed.run({ conductor, hosts: { down: { syncInterfaces: failing } } }, async (journal) => {
      const input: ServerEventsInput = {
        instanceUuid: 'i-6',
        events: [{ name: 'network-changed', tag: 'p-1', status: 'completed' }],
        retrySeconds: 0.05,
      };
      const handle = await testbed.start('serverEventsWorkflow', `server-events-i-6-${Date.now()}`, input);
      await expect(handle.result()).rejects.toThrow();
      expect(journal.inputsOf('down.syncInterfaces')).toHaveLength(10);
    });
  });
});
