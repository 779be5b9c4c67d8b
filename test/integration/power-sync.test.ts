import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { powerSyncId, syncOffsetSeconds } from '../../activities/conductor/power-sync-schedules';
import { ADMIN, ApiClient } from '../support/api-client';
import { settled } from '../support/moves';
import { bootDefaults, computeServices, createServer, LATEST, waitForServer } from '../support/servers';
import { TestStack, waitFor } from '../support/stack';

/**
 * The power-state sync on fake hosts: each host's Temporal Schedule, and Nova's rule for a guest
 * that runs though its server is SHUTOFF, the guest changed behind the API's back in the fake
 * hypervisor's own state (its guests file, rewritten while its compute worker is stopped, as
 * someone at a real host's virsh would start a domain). The libvirt e2e test does the same to a
 * real guest.
 */
describe('power-state sync', () => {
  let stack: TestStack;
  let admin: ApiClient;

  beforeAll(async () => {
    stack = await TestStack.start({
      computeHosts: ['ps-1'],
      config: '[DEFAULT]\nsync_power_state_interval = 2\n[conductor]\nreconcile_interval = 1\n',
    });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    await computeServices(admin, 1);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('gives each compute host its schedule, which runs the sync', async () => {
    const schedule = stack.temporal().schedule.getHandle(powerSyncId('ps-1'));
    await waitFor(
      async () => ((await schedule.describe().catch(() => undefined))?.info.recentActions.length ?? 0) > 0,
      20_000,
      'the power-sync schedule of ps-1 to have run',
    );
    const description = await schedule.describe();
    expect(description.spec.intervals).toEqual([
      { every: 2000, offset: syncOffsetSeconds('ps-1', 2) * 1000 },
    ]);
    expect(description.action).toMatchObject({ workflowType: 'powerSyncWorkflow', args: [{ host: 'ps-1' }] });
  });

  it('stops through the stop path a guest running behind a SHUTOFF server, and records why', async () => {
    const { imageId } = await bootDefaults(admin);
    const created = await createServer(admin, { name: 'restless', imageRef: imageId });
    const id: string = created.body.server.id;
    expect((await waitForServer(admin, id)).status).toBe('ACTIVE');
    expect((await admin.post(`/compute/v2.1/servers/${id}/action`, { 'os-stop': null }, LATEST)).status).toBe(
      202,
    );
    await settled(admin, id, 'SHUTOFF');

    // Someone at the hypervisor starts the guest again.
    await stack.processes.get('ps-1')!.stop();
    const guestsFile = join(stack.workDir, 'instances', 'ps-1', 'fake-guests.json');
    const guests = JSON.parse(readFileSync(guestsFile, 'utf8'));
    guests[id].powerState = 1;
    writeFileSync(guestsFile, JSON.stringify(guests));
    stack.startCompute('ps-1');

    const actions = async () =>
      (await admin.get(`/compute/v2.1/servers/${id}/os-instance-actions`, LATEST)).body
        .instanceActions as any[];
    await waitFor(
      async () => (await actions()).filter((action) => action.action === 'stop').length === 2,
      30_000,
      'the sync to stop the server',
    );
    const server = await settled(admin, id, 'SHUTOFF');
    expect(server['OS-EXT-STS:power_state']).toBe(4);
    // Newest first: the sync's stop, then the admin's; the sync acts as the service user.
    const [sync, byAdmin] = (await actions()).filter((action) => action.action === 'stop');
    expect(sync.user_id).not.toBe(byAdmin.user_id);
    const shown = (
      await admin.get(`/compute/v2.1/servers/${id}/os-instance-actions/${sync.request_id}`, LATEST)
    ).body.instanceAction;
    expect(shown.events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          event: 'power_sync',
          result: 'Success',
          details:
            'vm_state stopped, power_state 1 on the host: Instance is not stopped. Calling the stop API.',
        }),
        expect.objectContaining({ event: 'compute_stop_instance', result: 'Success' }),
      ]),
    );
    // The guest is off again on the host, and stays so: the next passes find nothing to do.
    await waitFor(
      async () => JSON.parse(readFileSync(guestsFile, 'utf8'))[id].powerState === 4,
      10_000,
      'the guest to be off',
    );
  });
});
