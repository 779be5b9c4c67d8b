import { ADMIN, ApiClient, type ApiResponse, DEMO } from '../support/api-client';
import {
  bootOn,
  claimsOf,
  eventsOf,
  setService as setServiceOf,
  settled as settledAs,
} from '../support/moves';
import { bootDefaults, computeServices, LATEST, waitForGone } from '../support/servers';
import { TestStack, waitFor } from '../support/stack';

/**
 * Resize, confirm, revert and cold migration on the whole pipeline, checked as a user and an
 * operator would: the server's status, host and flavor, its migration, and who holds claims
 * where. Three fake hosts: rz-1 and rz-2 take servers; rz-bad (disabled for scheduling, reached
 * only by name) fails every finishMigration, and every migrateDiskAndPowerOff of its own servers.
 */
describe('resize and cold migration', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let demo: ApiClient;
  let imageId: string;

  beforeAll(async () => {
    stack = await TestStack.start({
      computeHosts: ['rz-1', 'rz-2', 'rz-bad'],
      config: '[fake_driver]\nfail_methods = rz-bad:finishMigration, rz-bad:migrateDiskAndPowerOff\n',
    });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    demo = await ApiClient.login(stack.apiUrl, DEMO);
    await computeServices(admin, 3);
    await setServiceOf(admin, 'rz-bad', { status: 'disabled' });
    ({ imageId } = await bootDefaults(demo));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const act = (client: ApiClient, id: string, body: unknown, headers: Record<string, string> = LATEST) =>
    client.post(`/compute/v2.1/servers/${id}/action`, body, headers);

  const migrationsOf = (instanceUuid: string) =>
    stack.query<{ migration_type: string; status: string; source_compute: string; dest_compute: string }>(
      `SELECT migration_type, status, source_compute, dest_compute FROM instance_migrations
        WHERE instance_uuid = $1 ORDER BY id`,
      [instanceUuid],
    );

  const host = (server: any) => server['OS-EXT-SRV-ATTR:host'];
  const boot = (name: string, on: string) => bootOn(admin, imageId, name, on);
  const settled = (id: string, status: string) => settledAs(admin, id, status);
  const claims = (id: string) => claimsOf(stack, id);
  const events = (id: string, res: ApiResponse) => eventsOf(admin, id, res);
  const setService = (name: string, status: 'enabled' | 'disabled') => setServiceOf(admin, name, { status });

  it('resizes to a new flavor on another host, waits in VERIFY_RESIZE holding both claims, and confirms', async () => {
    const id = await boot('resize-confirm', 'rz-1');
    const resized = await act(admin, id, { resize: { flavorRef: '2' } });
    expect(resized.status).toBe(202);
    const verifying = await settled(id, 'VERIFY_RESIZE');
    expect(host(verifying)).toBe('rz-2');
    expect(verifying.flavor.original_name).toBe('m1.small');
    expect(await migrationsOf(id)).toEqual([
      { migration_type: 'resize', status: 'finished', source_compute: 'rz-1', dest_compute: 'rz-2' },
    ]);
    expect(await claims(id)).toEqual([
      { holder: 'instance', host: 'rz-2', memory_mb: 2048 },
      { holder: 'migration', host: 'rz-1', memory_mb: 512 },
    ]);
    expect(await events(id, resized)).toEqual(
      expect.arrayContaining([
        ['conductor_migrate_server', 'Success'],
        ['compute_resize_instance', 'Success'],
        ['compute_finish_resize', 'Success'],
      ]),
    );

    const confirmed = await act(admin, id, { confirmResize: null });
    expect(confirmed.status).toBe(204);
    const active = await settled(id, 'ACTIVE');
    expect(host(active)).toBe('rz-2');
    expect(active.flavor.original_name).toBe('m1.small');
    expect((await migrationsOf(id))[0].status).toBe('confirmed');
    expect(await claims(id)).toEqual([{ holder: 'instance', host: 'rz-2', memory_mb: 2048 }]);
    expect(await events(id, confirmed)).toEqual([['compute_confirm_resize', 'Success']]);

    const again = await act(admin, id, { confirmResize: null });
    expect(again.status).toBe(409);
  });

  it('reverts a resize: the server is back on its source with its old flavor, the destination claim gone', async () => {
    const id = await boot('resize-revert', 'rz-1');
    expect((await act(admin, id, { resize: { flavorRef: '2' } })).status).toBe(202);
    await settled(id, 'VERIFY_RESIZE');
    const reverted = await act(admin, id, { revertResize: null });
    expect(reverted.status).toBe(202);
    const active = await settled(id, 'ACTIVE');
    expect(host(active)).toBe('rz-1');
    expect(active.flavor.original_name).toBe('m1.tiny');
    expect(active['OS-EXT-STS:power_state']).toBe(1);
    expect((await migrationsOf(id))[0].status).toBe('reverted');
    expect(await claims(id)).toEqual([{ holder: 'instance', host: 'rz-1', memory_mb: 512 }]);
    expect(await events(id, reverted)).toEqual(
      expect.arrayContaining([
        ['compute_revert_resize', 'Success'],
        ['compute_finish_revert_resize', 'Success'],
      ]),
    );
  });

  it('keeps a SHUTOFF server SHUTOFF through resize and confirm', async () => {
    const id = await boot('resize-stopped', 'rz-1');
    expect((await act(admin, id, { 'os-stop': null })).status).toBe(202);
    await settled(id, 'SHUTOFF');
    expect((await act(admin, id, { resize: { flavorRef: '2' } })).status).toBe(202);
    const verifying = await settled(id, 'VERIFY_RESIZE');
    expect(verifying['OS-EXT-STS:power_state']).toBe(4);
    expect((await act(admin, id, { confirmResize: null })).status).toBe(204);
    const stopped = await settled(id, 'SHUTOFF');
    expect(stopped['OS-EXT-STS:vm_state']).toBe('stopped');
  });

  it('migrates cold to a named host (2.56) and confirms', async () => {
    const id = await boot('migrate-to', 'rz-1');
    const migrated = await act(
      admin,
      id,
      { migrate: { host: 'rz-2' } },
      { 'OpenStack-API-Version': 'compute 2.56' },
    );
    expect(migrated.status).toBe(202);
    const verifying = await settled(id, 'VERIFY_RESIZE');
    expect(host(verifying)).toBe('rz-2');
    expect(verifying.flavor.original_name).toBe('m1.tiny');
    expect(await migrationsOf(id)).toEqual([
      { migration_type: 'migration', status: 'finished', source_compute: 'rz-1', dest_compute: 'rz-2' },
    ]);
    expect((await act(admin, id, { confirmResize: null })).status).toBe(204);
    expect(host(await settled(id, 'ACTIVE'))).toBe('rz-2');
    expect(await claims(id)).toEqual([{ holder: 'instance', host: 'rz-2', memory_mb: 512 }]);
  });

  it("refuses what Nova refuses, with Nova's messages", async () => {
    const id = await boot('resize-refusals', 'rz-1');
    const cases: [unknown, Record<string, string>, number, string][] = [
      [{ resize: { flavorRef: 'nope' } }, LATEST, 400, 'Flavor nope could not be found.'],
      [{ resize: { flavorRef: '1' } }, LATEST, 400, 'When resizing, instances must change flavor!'],
      [{ resize: {} }, LATEST, 400, "'flavorRef' is a required property"],
      [
        { confirmResize: null },
        LATEST,
        409,
        `Cannot 'confirmResize' instance ${id} while it is in vm_state active`,
      ],
      [
        { revertResize: null },
        LATEST,
        409,
        `Cannot 'revertResize' instance ${id} while it is in vm_state active`,
      ],
      [{ migrate: { host: 'rz-1' } }, LATEST, 400, 'Cannot migrate to the host where the server exists.'],
      [{ migrate: { host: 'nowhere' } }, LATEST, 400, 'Compute host nowhere could not be found.'],
    ];
    for (const [body, headers, status, message] of cases) {
      const res = await act(admin, id, body, headers);
      expect({
        body,
        status: res.status,
        message: res.body?.badRequest?.message ?? res.body?.conflictingRequest?.message,
      }).toEqual(expect.objectContaining({ body, status }));
      expect(JSON.stringify(res.body)).toContain(message);
    }
    const tenant = await act(demo, id, { migrate: null });
    expect([403, 404]).toContain(tenant.status);
    expect(await migrationsOf(id)).toEqual([]);
  });

  it('leaves the server ACTIVE with a fault when the scheduler refuses the named host (disabled)', async () => {
    const id = await boot('migrate-to-disabled', 'rz-1');
    const migrated = await act(admin, id, { migrate: { host: 'rz-bad' } });
    expect(migrated.status).toBe(202);
    await waitFor(async () => (await migrationsOf(id))[0]?.status === 'error', 30_000, 'migration error');
    const active = await settled(id, 'ACTIVE');
    expect(host(active)).toBe('rz-1');
    // An ACTIVE server shows no fault (Nova shows it in ERROR only): the action tells what happened.
    expect(await events(id, migrated)).toEqual([['conductor_migrate_server', 'Error']]);
    expect(await claims(id)).toEqual([{ holder: 'instance', host: 'rz-1', memory_mb: 512 }]);
  });

  it('puts the server in ERROR when the destination fails to finish, giving back the destination claim', async () => {
    const id = await boot('migrate-to-bad', 'rz-1');
    // rz-bad the only candidate for the while: rz-2 disabled, rz-bad enabled.
    await setService('rz-2', 'disabled');
    await setService('rz-bad', 'enabled');
    try {
      expect((await act(admin, id, { migrate: null })).status).toBe(202);
      const failed = await settled(id, 'ERROR');
      expect(host(failed)).toBe('rz-1');
      expect(failed.fault.message).toContain('finishMigration');
    } finally {
      await setService('rz-bad', 'disabled');
      await setService('rz-2', 'enabled');
    }
    expect(await migrationsOf(id)).toEqual([
      { migration_type: 'migration', status: 'error', source_compute: 'rz-1', dest_compute: 'rz-bad' },
    ]);
    expect(await claims(id)).toEqual([{ holder: 'instance', host: 'rz-1', memory_mb: 512 }]);
  });

  it('puts the server in ERROR when its source fails to hand over, the guest and claim staying there', async () => {
    await setService('rz-bad', 'enabled');
    const id = await boot('resize-from-bad', 'rz-bad').finally(() => setService('rz-bad', 'disabled'));
    expect((await act(admin, id, { resize: { flavorRef: '2' } })).status).toBe(202);
    const failed = await settled(id, 'ERROR');
    expect(host(failed)).toBe('rz-bad');
    expect(failed.flavor.original_name).toBe('m1.tiny');
    expect(failed.fault.message).toContain('migrateDiskAndPowerOff');
    expect((await migrationsOf(id))[0].status).toBe('error');
    expect(await claims(id)).toEqual([{ holder: 'instance', host: 'rz-bad', memory_mb: 512 }]);
  });

  it('deletes a server waiting in VERIFY_RESIZE: no claim, no guest, no port left', async () => {
    const id = await boot('delete-resized', 'rz-1');
    expect((await act(admin, id, { resize: { flavorRef: '2' } })).status).toBe(202);
    await settled(id, 'VERIFY_RESIZE');
    expect((await admin.delete(`/compute/v2.1/servers/${id}`)).status).toBe(204);
    await waitForGone(admin, id);
    await waitFor(async () => (await claims(id)).length === 0, 30_000, 'claims released');
    expect((await migrationsOf(id))[0].status).toBe('confirmed');
    const ports = await admin.get(`/network/v2.0/ports?device_id=${id}`);
    expect(ports.body.ports).toEqual([]);
  });
});
