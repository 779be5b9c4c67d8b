import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN, ApiClient } from '../support/api-client';
import { bootDefaults, computeServices, createServer, LATEST, waitForServer } from '../support/servers';
import { TestStack, waitFor } from '../support/stack';

const SHARED = Array.from({ length: 20 }, (_, i) => `mh-${i + 1}`);
const SOLO = 'mh-solo';
const BOOT_ON = ['mh-1', 'mh-8', 'mh-20'];
/** Below 2.88, where a hypervisor still shows its inventory and running_vms. */
const INVENTORY = { 'OpenStack-API-Version': 'compute 2.87' };

/**
 * One compute worker process serving twenty fake hosts, as the local cloud runs many: each host
 * polls its own queue, reports as its own service and hypervisor and keeps its own guests, and
 * the process's death takes all of them down, and only them.
 */
describe('one compute process serving many hosts', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let imageId: string;

  const guestsOn = (host: string): Record<string, unknown> => {
    const file = join(stack.workDir, 'instances', host, 'fake-guests.json');
    return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  };
  const services = async (): Promise<Map<string, string>> => {
    const res = await admin.get('/compute/v2.1/os-services?binary=nova-compute', LATEST);
    return new Map(res.body.services.map((s: any) => [s.host, s.state]));
  };
  const hypervisors = async (): Promise<Map<string, any>> => {
    const res = await admin.get('/compute/v2.1/os-hypervisors/detail', INVENTORY);
    return new Map(res.body.hypervisors.map((h: any) => [h.hypervisor_hostname, h]));
  };

  beforeAll(async () => {
    stack = await TestStack.start({ computeHosts: [SOLO] });
    stack.startComputeProcess('mh-shared', SHARED);
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    await computeServices(admin, SHARED.length + 1);
    ({ imageId } = await bootDefaults(admin));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('reports every host of the process as its own up service and hypervisor', async () => {
    await waitFor(
      async () => [...(await services()).values()].filter((state) => state === 'up').length === 21,
      30_000,
      'all 21 hosts up',
    );
    const nodes = await hypervisors();
    expect([...nodes.keys()].sort()).toEqual([...SHARED, SOLO].sort());
    for (const host of SHARED) {
      expect(nodes.get(host)).toMatchObject({ state: 'up', hypervisor_type: 'fake', service: { host } });
    }
  });

  it('boots servers on several of its hosts, each guest on its own host only', async () => {
    const created = await Promise.all(
      BOOT_ON.map((host) =>
        createServer(admin, { name: `on-${host}`, imageRef: imageId, availability_zone: `nova:${host}` }),
      ),
    );
    const servers = await Promise.all(created.map((res) => waitForServer(admin, res.body.server.id)));
    servers.forEach((server, i) => {
      expect(server.status).toBe('ACTIVE');
      expect(server['OS-EXT-SRV-ATTR:host']).toBe(BOOT_ON[i]);
    });
    for (const host of SHARED) {
      const expected = servers.filter((_, i) => BOOT_ON[i] === host).map((server) => server.id);
      expect(Object.keys(guestsOn(host))).toEqual(expected);
    }
    // Each host's own report counts its own guest.
    await waitFor(
      async () => {
        const nodes = await hypervisors();
        return SHARED.every((host) => nodes.get(host).running_vms === (BOOT_ON.includes(host) ? 1 : 0));
      },
      30_000,
      'each hypervisor to report its own running guests',
    );
  });

  it('marks all of its hosts down when the process is killed, and no other host', async () => {
    await stack.process('mh-shared').kill();
    await waitFor(
      async () => {
        const states = await services();
        return SHARED.every((host) => states.get(host) === 'down');
      },
      30_000,
      'the process’s twenty hosts down',
    );
    const states = await services();
    expect(states.get(SOLO)).toBe('up');
    const nodes = await hypervisors();
    expect(SHARED.filter((host) => nodes.get(host).state !== 'down')).toEqual([]);
    expect(nodes.get(SOLO).state).toBe('up');
  });
});
