import { ADMIN, ApiClient } from '../support/api-client';
import { bootOn, setService, settled as settledAs } from '../support/moves';
import { bootDefaults, computeServices, LATEST, waitForGone, waitForTaskState } from '../support/servers';
import { TestStack, waitFor } from '../support/stack';

/**
 * A move survives its processes dying: the conductor killed with SIGKILL mid-resize, mid-live-
 * migration and mid-evacuation, and the destination's compute worker killed mid-finish and
 * mid-rebuild; a rebuild survives either too; a delete in the middle leaves nothing. Each
 * operation still ends once, where it should, with one guest of the server on one host and one
 * claim. Hosts are dedicated: mc-src and mc-dst (whose finishMigration, spawn and source copy
 * take seconds, so a process can be killed in that phase).
 */
describe('moves survive crashes', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let imageId: string;

  beforeAll(async () => {
    stack = await TestStack.start({
      computeHosts: ['mc-src', 'mc-dst'],
      // Hosts count as down only after 60 s, so that the conductor's absence does not make them look down.
      config:
        '[DEFAULT]\nservice_down_time = 60\n[conductor]\nreconcile_interval = 2\n' +
        '[fake_driver]\nslow_methods = mc-dst:finishMigration:4, mc-dst:spawn:4, mc-src:liveMigrate:5\n',
    });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    await computeServices(admin, 2);
    ({ imageId } = await bootDefaults(admin));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const act = (id: string, body: unknown) => admin.post(`/compute/v2.1/servers/${id}/action`, body, LATEST);

  const boot = (name: string) => bootOn(admin, imageId, name, 'mc-src');
  const settled = (id: string, status: string) => settledAs(admin, id, status, 90_000);

  /** Where the hosts say the server's guest runs (their reports), and who holds claims where. */
  const footprint = async (uuid: string) => {
    const guests = await stack.query<{ host: string }>(
      `SELECT host FROM compute_nodes WHERE running_vms > 0 ORDER BY host`,
    );
    const claims = await stack.query<{ host: string }>(
      `SELECT n.host FROM allocations a JOIN compute_nodes n ON n.id = a.compute_node_id
        WHERE a.consumer_id = $1
           OR a.consumer_id IN (SELECT uuid FROM instance_migrations WHERE instance_uuid = $1)
        ORDER BY n.host`,
      [uuid],
    );
    return { guestsOn: guests.map((row) => row.host), claimsOn: claims.map((row) => row.host) };
  };

  /** Each test leaves the hosts empty, so running_vms tells where this test's one server runs. */
  const deleteAndWait = async (id: string) => {
    expect((await admin.delete(`/compute/v2.1/servers/${id}`)).status).toBe(204);
    await waitFor(async () => (await footprint(id)).guestsOn.length === 0, 30_000, 'hosts empty');
  };

  it('finishes a resize once when the conductor is killed while the destination finishes it', async () => {
    const id = await boot('crash-resize-conductor');
    expect((await act(id, { resize: { flavorRef: '2' } })).status).toBe(202);
    await waitForTaskState(admin, id, 'resize_finish');
    await stack.restart('conductor', { kill: true });
    const verifying = await settled(id, 'VERIFY_RESIZE');
    expect(verifying['OS-EXT-SRV-ATTR:host']).toBe('mc-dst');
    expect((await act(id, { confirmResize: null })).status).toBe(204);
    await settled(id, 'ACTIVE');
    await waitFor(
      async () =>
        JSON.stringify(await footprint(id)) ===
        JSON.stringify({ guestsOn: ['mc-dst'], claimsOn: ['mc-dst'] }),
      30_000,
      'one guest and one claim, on mc-dst',
    );
    await deleteAndWait(id);
  });

  it('finishes a cold migration once when the destination compute worker is killed mid-finish', async () => {
    const id = await boot('crash-migrate-compute');
    expect((await act(id, { migrate: null })).status).toBe(202);
    await waitForTaskState(admin, id, 'resize_finish');
    await stack.restartCompute('mc-dst', { kill: true });
    await settled(id, 'VERIFY_RESIZE');
    expect((await act(id, { confirmResize: null })).status).toBe(204);
    expect((await settled(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe('mc-dst');
    await waitFor(
      async () =>
        JSON.stringify(await footprint(id)) ===
        JSON.stringify({ guestsOn: ['mc-dst'], claimsOn: ['mc-dst'] }),
      30_000,
      'one guest and one claim, on mc-dst',
    );
    const migrations = await stack.query('SELECT status FROM instance_migrations WHERE instance_uuid = $1', [
      id,
    ]);
    expect(migrations).toEqual([{ status: 'confirmed' }]);
    await deleteAndWait(id);
  });

  it.each([
    ["the source's compute worker", 'mc-src'],
    ["the destination's compute worker", 'mc-dst'],
  ])('finishes a live migration once when %s is killed mid-copy', async (_who, host) => {
    const id = await boot(`crash-live-${host}`);
    expect((await act(id, { 'os-migrateLive': { host: 'mc-dst', block_migration: 'auto' } })).status).toBe(
      202,
    );
    await waitFor(
      async () =>
        (
          await stack.query('SELECT 1 FROM instance_migrations WHERE instance_uuid = $1 AND status = $2', [
            id,
            'running',
          ])
        ).length === 1,
      30_000,
      'copy running',
    );
    await stack.restartCompute(host, { kill: true });
    expect((await settled(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe('mc-dst');
    await oneGuestOnDestination(id);
    const migrations = await stack.query('SELECT status FROM instance_migrations WHERE instance_uuid = $1', [
      id,
    ]);
    expect(migrations).toEqual([{ status: 'completed' }]);
    await deleteAndWait(id);
  });

  it('finishes a live migration once when the conductor is killed mid-copy', async () => {
    const id = await boot('crash-live-conductor');
    expect((await act(id, { 'os-migrateLive': { host: 'mc-dst', block_migration: 'auto' } })).status).toBe(
      202,
    );
    await waitFor(
      async () =>
        (
          await stack.query('SELECT 1 FROM instance_migrations WHERE instance_uuid = $1 AND status = $2', [
            id,
            'running',
          ])
        ).length === 1,
      30_000,
      'copy running',
    );
    await stack.restart('conductor', { kill: true });
    expect((await settled(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe('mc-dst');
    await waitFor(
      async () =>
        JSON.stringify(await footprint(id)) ===
        JSON.stringify({ guestsOn: ['mc-dst'], claimsOn: ['mc-dst'] }),
      30_000,
      'one guest and one claim, on mc-dst',
    );
    await deleteAndWait(id);
  });

  /** Runs `body` with mc-src marked down (forced_down), as after a host failure. */
  const withSourceDown = async (body: () => Promise<void>) => {
    await setService(admin, 'mc-src', { forced_down: true });
    try {
      await body();
    } finally {
      await setService(admin, 'mc-src', { forced_down: false });
    }
  };

  const oneGuestOnDestination = (id: string) =>
    waitFor(
      async () =>
        JSON.stringify(await footprint(id)) ===
        JSON.stringify({ guestsOn: ['mc-dst'], claimsOn: ['mc-dst'] }),
      30_000,
      'one guest and one claim, on mc-dst',
    );

  it.each([
    ['the conductor', () => stack.restart('conductor', { kill: true })],
    ["the destination's compute worker", () => stack.restartCompute('mc-dst', { kill: true })],
  ])('finishes an evacuation once when %s is killed mid-rebuild', async (_who, kill) => {
    const id = await boot('crash-evacuate');
    await withSourceDown(async () => {
      expect((await act(id, { evacuate: {} })).status).toBe(200);
      await waitForTaskState(admin, id, 'rebuild_spawning');
      await kill();
      expect((await settled(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe('mc-dst');
      // mc-src still reports (only its service is marked down): its stale copy goes, and its claim.
      await oneGuestOnDestination(id);
    });
    await deleteAndWait(id);
  });

  it.each([
    ['the conductor', () => stack.restart('conductor', { kill: true })],
    ["the host's compute worker", () => stack.restartCompute('mc-dst', { kill: true })],
  ])('finishes a rebuild once when %s is killed mid-spawn', async (_who, kill) => {
    const id = await bootOn(admin, imageId, 'crash-rebuild', 'mc-dst');
    expect((await act(id, { rebuild: { imageRef: imageId, name: 'crash-rebuilt' } })).status).toBe(202);
    await waitForTaskState(admin, id, 'rebuild_spawning');
    await kill();
    const rebuilt = await settled(id, 'ACTIVE');
    expect(rebuilt.name).toBe('crash-rebuilt');
    await oneGuestOnDestination(id);
    await deleteAndWait(id);
  });

  it('deletes a server mid-resize and mid-evacuation: no guest, claim or port anywhere', async () => {
    const resizing = await boot('delete-mid-resize');
    expect((await act(resizing, { resize: { flavorRef: '2' } })).status).toBe(202);
    await waitForTaskState(admin, resizing, 'resize_finish');
    expect((await admin.delete(`/compute/v2.1/servers/${resizing}`)).status).toBe(204);
    await waitForGone(admin, resizing);

    const evacuating = await boot('delete-mid-evacuation');
    await withSourceDown(async () => {
      expect((await act(evacuating, { evacuate: {} })).status).toBe(200);
      await waitForTaskState(admin, evacuating, 'rebuild_spawning');
      expect((await admin.delete(`/compute/v2.1/servers/${evacuating}`)).status).toBe(204);
      await waitForGone(admin, evacuating);
    });

    for (const id of [resizing, evacuating]) {
      await waitFor(
        async () => JSON.stringify(await footprint(id)) === JSON.stringify({ guestsOn: [], claimsOn: [] }),
        30_000,
        `nothing left of ${id}`,
      );
      expect(await stack.query('SELECT 1 FROM ports WHERE device_id = $1', [id])).toEqual([]);
    }
  });
});
