import { ADMIN, ApiClient, type ApiResponse } from '../support/api-client';
import {
  bootOn,
  claimsOf,
  eventsOf,
  setService as setServiceOf,
  settled as settledAs,
} from '../support/moves';
import { bootDefaults, computeServices, getServer, LATEST, waitForGone } from '../support/servers';
import { TestStack, waitFor } from '../support/stack';

const V2_29 = { 'OpenStack-API-Version': 'compute 2.29' };
const V2_30 = { 'OpenStack-API-Version': 'compute 2.30' };

/**
 * Live migration (with progress, abort, force-complete and the per-host slot) and evacuation on
 * the whole pipeline. Hosts: lm-1 and lm-2 take servers; lm-slow copies for 6 s (servers forced
 * onto it); lm-nocap has neither live migration nor evacuation (disabled, reached only by
 * forcing). Evacuations start from a host an admin marks down (forced_down), as after a failure.
 */
describe('live migration and evacuation', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let imageId: string;
  /** Hosts that take no scheduled servers; a server is booted onto one by enabling it for the while. */
  const disabled = new Set<string>();

  beforeAll(async () => {
    stack = await TestStack.start({
      computeHosts: ['lm-1', 'lm-2', 'lm-slow', 'lm-nocap'],
      config:
        '[DEFAULT]\nmax_concurrent_live_migrations = 1\n[quota]\ninstances = -1\ncores = -1\nram = -1\n' +
        '[fake_driver]\nslow_methods = lm-slow:liveMigrate:6\n' +
        'disabled_capabilities = lm-nocap:supports_live_migration, lm-nocap:supports_evacuate\n',
    });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    await computeServices(admin, 4);
    await setService('lm-slow', { status: 'disabled' });
    await setService('lm-nocap', { status: 'disabled' });
    disabled.add('lm-slow').add('lm-nocap');
    ({ imageId } = await bootDefaults(admin));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const act = (id: string, body: unknown, headers: Record<string, string> = LATEST) =>
    admin.post(`/compute/v2.1/servers/${id}/action`, body, headers);

  const boot = async (name: string, on: string) => {
    if (disabled.has(on)) await setService(on, { status: 'enabled' });
    try {
      return await bootOn(admin, imageId, name, on);
    } finally {
      if (disabled.has(on)) await setService(on, { status: 'disabled' });
    }
  };

  const host = (server: any) => server['OS-EXT-SRV-ATTR:host'];
  const setService = (name: string, change: Record<string, unknown>) => setServiceOf(admin, name, change);
  const settled = (id: string, status: string) => settledAs(admin, id, status);
  const claims = async (id: string) =>
    (await claimsOf(stack, id)).map(({ holder, host: on }) => ({ holder, host: on }));
  const events = (id: string, res: ApiResponse) => eventsOf(admin, id, res);

  const migrationOf = async (instanceUuid: string) =>
    (
      await stack.query<{ id: number; migration_type: string; status: string; dest_compute: string }>(
        `SELECT id, migration_type, status, dest_compute FROM instance_migrations
          WHERE instance_uuid = $1 ORDER BY id DESC LIMIT 1`,
        [instanceUuid],
      )
    )[0];

  const inProgress = async (id: string) =>
    (await admin.get(`/compute/v2.1/servers/${id}/migrations`, LATEST)).body.migrations as any[];

  const waitForRunning = async (id: string) => {
    let running: any;
    await waitFor(
      async () => {
        running = (await inProgress(id)).find((migration) => migration.status === 'running');
        return running !== undefined;
      },
      30_000,
      `a running live migration of ${id}`,
    );
    return running;
  };

  describe('live migration', () => {
    it('moves a running server to a scheduled host, keeping it ACTIVE, with one claim left', async () => {
      const id = await boot('live-1', 'lm-1');
      const migrated = await act(id, { 'os-migrateLive': { host: null, block_migration: 'auto' } });
      expect(migrated.status).toBe(202);
      const active = await settled(id, 'ACTIVE');
      expect(host(active)).toBe('lm-2');
      expect(active['OS-EXT-STS:power_state']).toBe(1);
      expect(await migrationOf(id)).toEqual(
        expect.objectContaining({
          migration_type: 'live-migration',
          status: 'completed',
          dest_compute: 'lm-2',
        }),
      );
      expect(await claims(id)).toEqual([{ holder: 'instance', host: 'lm-2' }]);
      expect(await events(id, migrated)).toEqual(
        expect.arrayContaining([
          ['conductor_live_migrate_instance', 'Success'],
          ['compute_live_migration', 'Success'],
        ]),
      );
    });

    it('keeps a PAUSED server PAUSED', async () => {
      const id = await boot('live-paused', 'lm-1');
      expect((await act(id, { pause: null })).status).toBe(202);
      await settled(id, 'PAUSED');
      expect((await act(id, { 'os-migrateLive': { host: 'lm-2', block_migration: false } })).status).toBe(
        202,
      );
      await waitFor(async () => (await migrationOf(id))?.status === 'completed', 30_000, 'completed');
      const paused = await settled(id, 'PAUSED');
      expect(host(paused)).toBe('lm-2');
      expect(paused['OS-EXT-STS:power_state']).toBe(3);
    });

    it('shows progress while it copies, and an abort puts the server back where it was', async () => {
      const id = await boot('live-abort', 'lm-slow');
      expect((await act(id, { 'os-migrateLive': { host: 'lm-2', block_migration: 'auto' } })).status).toBe(
        202,
      );
      const running = await waitForRunning(id);
      await waitFor(
        async () => Number((await inProgress(id))[0]?.memory_processed_bytes) > 0,
        10_000,
        'progress recorded',
      );
      const migrating = await getServer(admin, id);
      expect(migrating.status).toBe('MIGRATING');
      const aborted = await admin.delete(`/compute/v2.1/servers/${id}/migrations/${running.id}`, LATEST);
      expect(aborted.status).toBe(202);
      const active = await settled(id, 'ACTIVE');
      expect(host(active)).toBe('lm-slow');
      expect((await migrationOf(id)).status).toBe('cancelled');
      expect(await claims(id)).toEqual([{ holder: 'instance', host: 'lm-slow' }]);
      expect(await inProgress(id)).toEqual([]);
    });

    it('finishes at once when forced to complete', async () => {
      const id = await boot('live-force', 'lm-slow');
      expect((await act(id, { 'os-migrateLive': { host: 'lm-1', block_migration: 'auto' } })).status).toBe(
        202,
      );
      const running = await waitForRunning(id);
      const started = Date.now();
      const forced = await admin.post(
        `/compute/v2.1/servers/${id}/migrations/${running.id}/action`,
        { force_complete: null },
        LATEST,
      );
      expect(forced.status).toBe(202);
      const active = await settled(id, 'ACTIVE');
      expect(host(active)).toBe('lm-1');
      // The copy alone takes 6 s on lm-slow: finishing well before that means the force worked.
      expect(Date.now() - started).toBeLessThan(5000);
      expect((await migrationOf(id)).status).toBe('completed');
    });

    it('queues a second live migration from a host already sending its one allowed', async () => {
      const first = await boot('live-slot-1', 'lm-slow');
      const second = await boot('live-slot-2', 'lm-slow');
      expect((await act(first, { 'os-migrateLive': { host: 'lm-1', block_migration: 'auto' } })).status).toBe(
        202,
      );
      await waitForRunning(first);
      expect(
        (await act(second, { 'os-migrateLive': { host: 'lm-2', block_migration: 'auto' } })).status,
      ).toBe(202);
      await waitFor(async () => (await migrationOf(second))?.status === 'queued', 10_000, 'second queued');
      expect((await migrationOf(first)).status).toBe('running');
      expect(host(await settled(first, 'ACTIVE'))).toBe('lm-1');
      expect(host(await settled(second, 'ACTIVE'))).toBe('lm-2');
    });

    it('refuses a destination whose driver cannot live-migrate: the migration is in error, the server ACTIVE where it was', async () => {
      const id = await boot('live-nocap', 'lm-1');
      expect(
        (
          await act(
            id,
            { 'os-migrateLive': { host: 'lm-nocap', block_migration: 'auto', force: true } },
            V2_30,
          )
        ).status,
      ).toBe(202);
      await waitFor(async () => (await migrationOf(id))?.status === 'error', 30_000, 'migration error');
      const active = await settled(id, 'ACTIVE');
      expect(host(active)).toBe('lm-1');
      const [fault] = await stack.query<{ message: string }>(
        'SELECT message FROM instance_faults WHERE instance_uuid = $1 ORDER BY id DESC LIMIT 1',
        [id],
      );
      expect(fault.message).toContain('Migration pre-check error');
      expect(await claims(id)).toEqual([{ holder: 'instance', host: 'lm-1' }]);
    });

    it('deletes a server mid-copy: nothing of it stays on either host', async () => {
      const id = await boot('live-delete', 'lm-slow');
      expect((await act(id, { 'os-migrateLive': { host: 'lm-2', block_migration: 'auto' } })).status).toBe(
        202,
      );
      await waitForRunning(id);
      expect((await admin.delete(`/compute/v2.1/servers/${id}`)).status).toBe(204);
      await waitForGone(admin, id);
      expect(await claims(id)).toEqual([]);
      expect((await admin.get(`/network/v2.0/ports?device_id=${id}`)).body.ports).toEqual([]);
    });

    it("refuses what Nova refuses, with Nova's messages", async () => {
      const id = await boot('live-refusals', 'lm-1');
      const cases: [unknown, Record<string, string>, number, string][] = [
        [
          { 'os-migrateLive': { host: 'nowhere', block_migration: 'auto' } },
          LATEST,
          400,
          'Compute host nowhere could not be found.',
        ],
        [
          { 'os-migrateLive': { host: null, block_migration: 'auto', force: true } },
          V2_30,
          400,
          "Can't force to a non-provided destination",
        ],
        [{ 'os-migrateLive': { host: null } }, LATEST, 400, "'block_migration' is a required property"],
        [
          { 'os-migrateLive': { host: null, block_migration: 'auto', disk_over_commit: false } },
          { 'OpenStack-API-Version': 'compute 2.24' },
          400,
          "'auto' is not one of",
        ],
      ];
      for (const [body, headers, status, message] of cases) {
        const res = await act(id, body, headers);
        expect(res.status).toBe(status);
        expect(JSON.stringify(res.body)).toContain(message);
      }
      expect(await migrationOf(id)).toBeUndefined();
    });
  });

  describe('evacuation', () => {
    it('refuses while the source compute service is up', async () => {
      const id = await boot('evac-up', 'lm-1');
      const res = await act(id, { evacuate: {} });
      expect(res.status).toBe(400);
      expect(res.body.badRequest.message).toBe('Compute service of lm-1 is still in use.');
    });

    it('rebuilds a server of a host marked down elsewhere; the source, reporting again, drops its copy and claim', async () => {
      const active = await boot('evac-active', 'lm-1');
      const stopped = await boot('evac-stopped', 'lm-1');
      expect((await act(stopped, { 'os-stop': null })).status).toBe(202);
      await settled(stopped, 'SHUTOFF');
      await setService('lm-1', { forced_down: true });
      try {
        const evacuated = await act(active, { evacuate: {} });
        expect(evacuated.status).toBe(200);
        expect(
          (
            await act(
              stopped,
              { evacuate: { onSharedStorage: false } },
              { 'OpenStack-API-Version': 'compute 2.13' },
            )
          ).body,
        ).toEqual({
          adminPass: expect.any(String),
        });
        const moved = await settled(active, 'ACTIVE');
        expect(host(moved)).toBe('lm-2');
        const shutoff = await settled(stopped, 'SHUTOFF');
        expect(host(shutoff)).toBe('lm-2');
        expect(await events(active, evacuated)).toEqual(
          expect.arrayContaining([
            ['rebuild_server', 'Success'],
            ['compute_rebuild_instance', 'Success'],
          ]),
        );
        // lm-1's worker still reports (only its service is marked down): it destroys the stale copies.
        for (const id of [active, stopped]) {
          await waitFor(
            async () => (await migrationOf(id))?.status === 'completed',
            30_000,
            `evacuation of ${id} completed`,
          );
          expect(await claims(id)).toEqual([{ holder: 'instance', host: 'lm-2' }]);
        }
      } finally {
        await setService('lm-1', { forced_down: false });
      }
    });

    it('fails on a destination whose driver cannot evacuate: ERROR, with the destination claim gone', async () => {
      const id = await boot('evac-nocap', 'lm-2');
      await setService('lm-2', { forced_down: true });
      try {
        expect((await act(id, { evacuate: { host: 'lm-nocap', force: true } }, V2_29)).status).toBe(200);
        const failed = await settled(id, 'ERROR');
        expect(failed.fault.message).toBe('Instance evacuate is not supported.');
        expect(host(failed)).toBe('lm-2');
        expect(await claims(id)).toEqual([{ holder: 'instance', host: 'lm-2' }]);
      } finally {
        await setService('lm-2', { forced_down: false });
      }
    });
  });
});
