import { ADMIN, ApiClient } from '../support/api-client';
import {
  bootDefaults,
  createServer,
  getServer,
  LATEST,
  waitForGone,
  waitForServer,
} from '../support/servers';
import { TestStack, waitFor } from '../support/stack';

/**
 * Soft delete end to end, with [DEFAULT] reclaim_instance_interval = 3: a DELETE keeps the server
 * as SOFT_DELETED with its guest powered off, and a durable timer reclaims it, releasing all it
 * held. A restore in between starts the clock again: the first timer finds it no longer applies.
 */
describe('soft delete and reclaim', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let imageId: string;
  let networkId: string;

  beforeAll(async () => {
    stack = await TestStack.start({
      computeHosts: ['r1'],
      config: '[DEFAULT]\nreclaim_instance_interval = 3\n',
    });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    ({ imageId, networkId } = await bootDefaults(admin));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const holdings = async (uuid: string) => ({
    allocations: (await stack.query('SELECT 1 FROM allocations WHERE consumer_id = $1', [uuid])).length,
    ports: (await stack.query('SELECT 1 FROM ports WHERE device_id = $1', [uuid])).length,
  });

  const guestsOnHost = async () =>
    (await stack.query<{ running_vms: number }>(`SELECT running_vms FROM compute_nodes WHERE host = 'r1'`))[0]
      .running_vms;

  /** DELETE, as a user sends it; returns the request id that names its soft delete. */
  const softDelete = async (id: string) => {
    const res = await admin.delete(`/compute/v2.1/servers/${id}`);
    expect(res.status).toBe(204);
    return res.headers.get('x-openstack-request-id')!;
  };

  const settledAs = (id: string, status: string) =>
    waitFor(
      async () => {
        const server = await getServer(admin, id);
        return server?.status === status && server['OS-EXT-STS:task_state'] === null;
      },
      30_000,
      `${id} to be ${status}`,
    );

  it('reclaims a soft-deleted server after the interval, and a restore starts the clock again', async () => {
    const created = await createServer(admin, {
      name: 'kept',
      imageRef: imageId,
      networks: [{ uuid: networkId }],
    });
    const id = created.body.server.id;
    expect((await waitForServer(admin, id)).status).toBe('ACTIVE');

    const first = await softDelete(id);
    await settledAs(id, 'SOFT_DELETED');
    expect((await getServer(admin, id))['OS-EXT-STS:power_state']).toBe(4);
    expect(await holdings(id)).toEqual({ allocations: 1, ports: 1 });
    const restored = await admin.post(`/compute/v2.1/servers/${id}/action`, { restore: null }, LATEST);
    expect(restored.status).toBe(202);
    await settledAs(id, 'ACTIVE');
    const second = await softDelete(id);

    // The first soft delete's reclaim finds a later soft delete in charge and leaves the server.
    const firstReclaim = stack.temporal().workflow.getHandle(`reclaim-${id}-${first}`);
    expect(await firstReclaim.result()).toBe(false);
    expect(await stack.temporal().workflow.getHandle(`reclaim-${id}-${second}`).result()).toBe(true);
    await waitForGone(admin, id);
    expect(await holdings(id)).toEqual({ allocations: 0, ports: 0 });
    await waitFor(async () => (await guestsOnHost()) === 0, 30_000, 'r1 to have no guest left');
    // From 2.21 the actions of a deleted server stay readable.
    const actions = (await admin.get(`/compute/v2.1/servers/${id}/os-instance-actions`, LATEST)).body
      .instanceActions;
    expect(actions.map((action: any) => action.action)).toEqual([
      'delete',
      'delete',
      'restore',
      'delete',
      'create',
    ]);
  });
});
