import { ADMIN, ApiClient } from '../support/api-client';
import { bootDefaults, createServer, LATEST, waitForServer } from '../support/servers';
import { TestStack, waitFor } from '../support/stack';

/** Every host fails its spawns: the boot tries each (max_attempts) and ends in ERROR, leaking nothing. */
describe('a boot that no host can complete', () => {
  let stack: TestStack;
  let admin: ApiClient;

  beforeAll(async () => {
    stack = await TestStack.start({
      computeHosts: ['f1', 'f2'],
      config: '[fake_driver]\nfail_methods = spawn\n',
    });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    await waitFor(
      async () => (await stack.health()).body.checks.compute.up?.length === 2,
      30_000,
      'both hosts up',
    );
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('ends in ERROR with a fault after trying every host, and releases claims and ports', async () => {
    const { imageId } = await bootDefaults(admin);
    const created = await createServer(admin, { name: 'doomed', imageRef: imageId, networks: 'auto' });
    const id = created.body.server.id;
    const server = await waitForServer(admin, id);
    expect(server.status).toBe('ERROR');
    expect(server.fault.message).toBe(
      `Exceeded maximum number of retries. Exhausted all hosts available for retrying build failures for instance ${id}.`,
    );
    expect(server.fault.details.split('\n').sort()).toEqual([
      'f1: injected failure of spawn',
      'f2: injected failure of spawn',
    ]);
    expect(server['OS-EXT-SRV-ATTR:host']).toBeNull();
    expect(await stack.query('SELECT * FROM allocations WHERE consumer_id = $1', [id])).toEqual([]);
    expect(await stack.query('SELECT * FROM ports WHERE device_id = $1', [id])).toEqual([]);

    const action = (await admin.get(`/compute/v2.1/servers/${id}/os-instance-actions`, LATEST)).body
      .instanceActions[0];
    expect(action).toMatchObject({ action: 'create', message: 'Error' });

    expect((await admin.delete(`/compute/v2.1/servers/${id}`)).status).toBe(204);
    await waitFor(
      async () => (await admin.get(`/compute/v2.1/servers/${id}`)).status === 404,
      30_000,
      'gone',
    );
  });
});
