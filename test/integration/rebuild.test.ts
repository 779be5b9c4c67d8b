import { ADMIN, ApiClient, type ApiResponse, DEMO } from '../support/api-client';
import {
  bootDefaults,
  computeServices,
  createServer,
  getServer,
  LATEST,
  waitForGone,
  waitForServer,
  waitForTaskState,
} from '../support/servers';
import { settled } from '../support/moves';
import { TestStack, waitFor } from '../support/stack';

const NO_VALID_HOST = 'No valid host was found. There are not enough hosts available.';
const at = (version: string) => ({ 'OpenStack-API-Version': `compute ${version}` });

/**
 * POST /servers/{id}/action {"rebuild": ...} on the whole pipeline. Two fake hosts: `rb-1`, whose
 * spawn takes 3 s (so a rebuild can be watched and deleted mid-way), for the tenant's servers, and
 * `rb-faulty` (disabled for scheduling once an admin's server is forced onto it), whose destroy
 * fails, so a rebuild there fails on the host.
 */
describe('rebuild', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let demo: ApiClient;
  let imageId: string;
  let networkId: string;
  let otherImageId: string;
  let foreignArchImageId: string;
  let onFaulty: string;

  const act = (client: ApiClient, id: string, body: unknown, headers: Record<string, string> = LATEST) =>
    client.post(`/compute/v2.1/servers/${id}/action`, body, headers);

  const boot = async (client: ApiClient, name: string, extra: Record<string, unknown> = {}) => {
    const created = await createServer(client, { name, imageRef: imageId, ...extra });
    expect(created.status).toBe(202);
    const server = await waitForServer(client, created.body.server.id);
    expect(server.status).toBe('ACTIVE');
    return server.id as string;
  };

  /** An active image of the demo project's, with these extra properties. */
  const image = async (name: string, properties: Record<string, string> = {}, upload = true) => {
    const created = await demo.post('/image/v2/images', {
      name,
      disk_format: 'qcow2',
      container_format: 'bare',
      ...properties,
    });
    expect(created.status).toBe(201);
    if (upload) {
      const put = await demo.request('PUT', `/image/v2/images/${created.body.id}/file`, {
        rawBody: Buffer.from('a rebuild image'),
        headers: { 'content-type': 'application/octet-stream' },
      });
      expect(put.status).toBe(204);
    }
    return created.body.id as string;
  };

  /** The action's events once they have all finished, as [event, result], and the action. */
  const finished = async (id: string, res: ApiResponse) => {
    const requestId = res.headers.get('x-openstack-request-id');
    let action: any;
    await waitFor(
      async () => {
        action = (await admin.get(`/compute/v2.1/servers/${id}/os-instance-actions/${requestId}`, LATEST))
          .body.instanceAction;
        return action?.events.length > 0 && action.events.every((event: any) => event.finish_time !== null);
      },
      30_000,
      'the action to finish',
    );
    const events = action.events.map((event: any) => [event.event, event.result]);
    return { action, events: events.sort() };
  };

  const badRequest = (message: string) => ({ badRequest: { code: 400, message } });
  const conflict = (message: string) => ({ conflictingRequest: { code: 409, message } });

  beforeAll(async () => {
    stack = await TestStack.start({
      computeHosts: ['rb-1', 'rb-faulty'],
      config: '[fake_driver]\nfail_methods = rb-faulty:destroy\nslow_methods = rb-1:spawn:3\n',
    });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    demo = await ApiClient.login(stack.apiUrl, DEMO);
    const faulty = (await computeServices(admin, 2)).find((service: any) => service.host === 'rb-faulty');
    ({ imageId, networkId } = await bootDefaults(demo));
    [otherImageId, foreignArchImageId, onFaulty] = await Promise.all([
      image('other'),
      image('foreign-arch', { hw_architecture: process.arch === 'arm64' ? 'x86_64' : 'aarch64' }),
      boot(admin, 'on-faulty', { availability_zone: 'nova:rb-faulty' }),
    ]);
    const disabled = await admin.put(
      `/compute/v2.1/os-services/${faulty.id}`,
      { status: 'disabled' },
      LATEST,
    );
    expect(disabled.status).toBe(200);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('rebuilds an active server with a new image, name and metadata: REBUILD, then ACTIVE', async () => {
    const id = await boot(demo, 'rebuild-me', { metadata: { old: 'yes' } });
    const before = await getServer(demo, id);
    const res = await act(demo, id, {
      rebuild: { imageRef: otherImageId, name: 'rebuilt', metadata: { fresh: 'yes' }, adminPass: 'seekr3t' },
    });
    expect(res.status).toBe(202);
    expect(res.body.server).toMatchObject({
      id,
      name: 'rebuilt',
      status: 'REBUILD',
      adminPass: 'seekr3t',
      metadata: { fresh: 'yes' },
      image: { id: otherImageId },
      'OS-EXT-STS:task_state': 'rebuilding',
      user_data: null,
    });
    const after = await settled(demo, id, 'ACTIVE');
    expect(after).toMatchObject({
      name: 'rebuilt',
      image: { id: otherImageId },
      metadata: { fresh: 'yes' },
      'OS-EXT-STS:vm_state': 'active',
      'OS-EXT-STS:power_state': 1,
    });
    expect(after['OS-SRV-USG:launched_at'] > before['OS-SRV-USG:launched_at']).toBe(true);
    const { action, events } = await finished(id, res);
    expect(action.action).toBe('rebuild');
    expect(events).toEqual([
      ['compute_rebuild_instance', 'Success'],
      ['rebuild_server', 'Success'],
    ]);
  });

  it('answers with the rebuild view before 2.75 and the full server view from 2.75', async () => {
    const [old, full] = await Promise.all([boot(demo, 'view-2.74'), boot(demo, 'view-2.75')]);
    const before = await act(demo, old, { rebuild: { imageRef: imageId } }, at('2.74'));
    expect(before.status).toBe(202);
    expect(before.body.server).toMatchObject({ id: old, status: 'REBUILD', key_name: null, user_data: null });
    expect(typeof before.body.server.adminPass).toBe('string');
    expect(before.body.server).not.toHaveProperty('OS-EXT-STS:task_state');
    expect(before.body.server).not.toHaveProperty('OS-EXT-AZ:availability_zone');
    expect(before.body.server).not.toHaveProperty('OS-SRV-USG:launched_at');

    const during = await act(demo, old, { rebuild: { imageRef: imageId } }, at('2.1'));
    expect(during.body).toEqual(
      conflict(`Cannot 'rebuild' instance ${old} while it is in task_state rebuilding`),
    );

    const from275 = await act(demo, full, { rebuild: { imageRef: imageId } }, at('2.75'));
    expect(from275.status).toBe(202);
    expect(from275.body.server).toMatchObject({
      id: full,
      status: 'REBUILD',
      'OS-EXT-STS:task_state': 'rebuilding',
      'OS-EXT-AZ:availability_zone': expect.any(String),
      key_name: null,
      user_data: null,
    });
    expect(typeof from275.body.server.adminPass).toBe('string');
    await Promise.all([settled(demo, old, 'ACTIVE'), settled(demo, full, 'ACTIVE')]);

    const v21 = await act(demo, old, { rebuild: { imageRef: imageId } }, at('2.1'));
    expect(v21.status).toBe(202);
    expect(v21.body.server).not.toHaveProperty('key_name');
    expect(v21.body.server).not.toHaveProperty('user_data');
    await settled(demo, old, 'ACTIVE');
  });

  it('keeps a stopped server SHUTOFF', async () => {
    const id = await boot(demo, 'stopped');
    expect((await act(demo, id, { 'os-stop': null })).status).toBe(202);
    await settled(demo, id, 'SHUTOFF');
    const res = await act(demo, id, { rebuild: { imageRef: otherImageId } });
    expect(res.status).toBe(202);
    expect(res.body.server.status).toBe('REBUILD');
    await waitForTaskState(demo, id, 'rebuild_spawning');
    const after = await settled(demo, id, 'SHUTOFF');
    expect(after).toMatchObject({
      image: { id: otherImageId },
      'OS-EXT-STS:vm_state': 'stopped',
      'OS-EXT-STS:power_state': 4,
    });
    expect((await finished(id, res)).events).toContainEqual(['compute_rebuild_instance', 'Success']);
  });

  it("refuses what Nova refuses, in Nova's words and order", async () => {
    const id = await boot(demo, 'refusals');
    const queued = await image('queued', {}, false);
    expect((await act(demo, id, { rebuild: {} })).status).toBe(400);
    expect((await act(demo, id, { rebuild: { imageRef: imageId, personality: [] } })).status).toBe(400);
    const unknown = await act(demo, id, { rebuild: { imageRef: '5f2a0a3e-1111-4c1e-9f0a-000000000000' } });
    expect(unknown.body).toEqual(badRequest('Cannot find image for rebuild'));
    const notActive = await act(demo, id, { rebuild: { imageRef: queued } });
    expect(notActive.body).toEqual(badRequest(`Image ${queued} is not active.`));
    const badKey = await act(demo, id, { rebuild: { imageRef: imageId, key_name: 'no-such-key' } });
    expect(badKey.body).toEqual(badRequest('Invalid key_name provided.'));
    // Nothing was claimed or changed by the refusals.
    expect(await getServer(demo, id)).toMatchObject({ status: 'ACTIVE', 'OS-EXT-STS:task_state': null });

    expect((await act(demo, id, { lock: null })).status).toBe(202);
    // The lock comes first, as Nova's check_instance_lock, even before the image is looked at.
    const locked = await act(demo, id, { rebuild: { imageRef: '5f2a0a3e-1111-4c1e-9f0a-000000000000' } });
    expect(locked.body).toEqual(conflict(`Instance ${id} is locked`));
    expect((await act(demo, id, { unlock: null })).status).toBe(202);

    expect((await act(demo, id, { pause: null })).status).toBe(202);
    await settled(demo, id, 'PAUSED');
    const paused = await act(demo, id, { rebuild: { imageRef: imageId } });
    expect(paused.body).toEqual(conflict(`Cannot 'rebuild' instance ${id} while it is in vm_state paused`));
  });

  it('leaves ERROR with a fault when the host fails the rebuild', async () => {
    const res = await act(admin, onFaulty, { rebuild: { imageRef: imageId } });
    expect(res.status).toBe(202);
    const failed = await settled(admin, onFaulty, 'ERROR');
    expect(failed.fault).toMatchObject({ code: 500, message: 'destroy failed: injected failure of destroy' });
    expect((await finished(onFaulty, res)).events).toEqual([
      ['compute_rebuild_instance', 'Error'],
      ['rebuild_server', 'Success'],
    ]);
  });

  it('fails with NoValidHost, image rolled back and guest untouched, when the filters refuse the new image', async () => {
    const id = await boot(demo, 'foreign-arch');
    const res = await act(demo, id, { rebuild: { imageRef: foreignArchImageId } });
    expect(res.status).toBe(202);
    const failed = await settled(demo, id, 'ERROR');
    // As Nova 26's conductor: ERROR, the fault, and the image_ref rolled back.
    expect(failed).toMatchObject({
      image: { id: imageId },
      fault: { code: 500, message: NO_VALID_HOST },
      'OS-EXT-STS:power_state': 1,
    });
    // The compute was never asked: no compute event.
    expect((await finished(id, res)).events).toEqual([['rebuild_server', 'Error']]);
  });

  it('a delete during a slow rebuild leaves nothing behind', async () => {
    const id = await boot(demo, 'deleted-mid-rebuild', { networks: [{ uuid: networkId }] });
    expect((await demo.get(`/network/v2.0/ports?device_id=${id}`)).body.ports).toHaveLength(1);
    expect((await act(demo, id, { rebuild: { imageRef: otherImageId } })).status).toBe(202);
    await waitForTaskState(demo, id, 'rebuild_spawning');
    expect((await demo.delete(`/compute/v2.1/servers/${id}`)).status).toBe(204);
    await waitForGone(demo, id);
    expect((await demo.get(`/network/v2.0/ports?device_id=${id}`)).body.ports).toEqual([]);
  });
});
