import { randomUUID } from 'node:crypto';
import { ADMIN, ApiClient, DEMO } from '../support/api-client';
import { bootDefaults, createServer, waitForServer } from '../support/servers';
import { TestStack } from '../support/stack';

const at = (version: string) => ({ 'OpenStack-API-Version': `compute ${version}` });

/** A migration row as the move operations would write it, with a workflow id no workflow has. */
interface Row {
  server: string;
  type: string;
  status: string;
  source: string;
  dest: string;
  created: string;
  updated: string;
  hidden?: boolean;
  userId?: string;
  projectId?: string;
}

interface Inserted {
  id: number;
  uuid: string;
}

/**
 * Nova 26.2.2's migrations API as an admin meets it: GET /os-migrations per microversion (2.1,
 * 2.23, 2.59, 2.66, 2.80) with its filters and paging, a server's in-progress live migrations
 * (2.23), and the refusals of abort (2.24) and force-complete (2.22). Migration rows are written
 * straight into the database for real booted servers.
 */
describe('migrations API as Nova 26.2.2', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let demo: ApiClient;
  let serverA: string;
  let serverB: string;
  const m: Record<string, Inserted> = {};

  const insert = async (row: Row): Promise<Inserted> => {
    const uuid = randomUUID();
    const [inserted] = await stack.query<{ id: number }>(
      `INSERT INTO instance_migrations (uuid, instance_uuid, migration_type, status, source_compute,
              source_node, dest_compute, dest_node, dest_host, old_instance_type_id, new_instance_type_id,
              old_flavor, new_flavor, memory_total, memory_processed, memory_remaining, disk_total,
              disk_processed, disk_remaining, user_id, project_id, workflow_id, hidden, created_at, updated_at)
       SELECT $1, i.uuid, $3, $4, $5, $5, $6, $6, '192.0.2.1', 1, 2, i.flavor, i.flavor,
              1000, 400, 600, 2000, 500, 1500, coalesce($7, i.user_id), coalesce($8, i.project_id),
              $9, $10, $11, $12
         FROM instances i WHERE i.uuid = $2
       RETURNING id`,
      [
        uuid,
        row.server,
        row.type,
        row.status,
        row.source,
        row.dest,
        row.userId ?? null,
        row.projectId ?? null,
        `no-such-workflow-${uuid}`,
        row.hidden ?? false,
        row.created,
        row.updated,
      ],
    );
    return { id: inserted.id, uuid };
  };

  const setState = (uuid: string, vmState: string, taskState: string | null) =>
    stack.query('UPDATE instances SET vm_state = $2, task_state = $3 WHERE uuid = $1', [
      uuid,
      vmState,
      taskState,
    ]);

  const list = async (query: string, version: string) => {
    const res = await admin.get(`/compute/v2.1/os-migrations${query}`, at(version));
    expect(res.status).toBe(200);
    return res.body;
  };
  const ids = (body: { migrations: { id: number }[] }) => body.migrations.map((migration) => migration.id);

  beforeAll(async () => {
    stack = await TestStack.start({ computeHosts: ['c1'] });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    demo = await ApiClient.login(stack.apiUrl, DEMO);
    const { imageId } = await bootDefaults(demo);
    const created = await Promise.all(
      ['mig-a', 'mig-b'].map((name) => createServer(demo, { name, imageRef: imageId })),
    );
    [serverA, serverB] = created.map((res) => res.body.server.id);
    for (const id of [serverA, serverB]) expect((await waitForServer(demo, id)).status).toBe('ACTIVE');

    const t = (second: number) => `2024-03-0${second}T10:00:00.250Z`;
    m.resize = await insert({
      server: serverA,
      type: 'resize',
      status: 'confirmed',
      source: 'c1',
      dest: 'c2',
      created: t(1),
      updated: t(2),
    });
    m.running = await insert({
      server: serverA,
      type: 'live-migration',
      status: 'running',
      source: 'c1',
      dest: 'c2',
      created: t(2),
      updated: t(3),
    });
    m.completed = await insert({
      server: serverA,
      type: 'live-migration',
      status: 'completed',
      source: 'c1',
      dest: 'c2',
      created: t(3),
      updated: t(4),
    });
    m.other = await insert({
      server: serverB,
      type: 'migration',
      status: 'error',
      source: 'c2',
      dest: 'c1',
      created: t(4),
      updated: t(5),
      userId: 'someone-else',
      projectId: 'another-project',
    });
    m.queued = await insert({
      server: serverA,
      type: 'live-migration',
      status: 'queued',
      source: 'c1',
      dest: 'c3',
      created: t(5),
      updated: t(6),
    });
    m.hidden = await insert({
      server: serverB,
      type: 'resize',
      status: 'finished',
      source: 'c2',
      dest: 'c1',
      created: t(6),
      updated: t(7),
      hidden: true,
    });
  }, 240_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('lists every visible migration at 2.1 in id order, without migration_type, links or uuid', async () => {
    const body = await list('', '2.1');
    expect(ids(body)).toEqual([m.resize.id, m.running.id, m.completed.id, m.other.id, m.queued.id]);
    expect(body).not.toHaveProperty('migrations_links');
    expect(body.migrations[0]).toEqual({
      created_at: '2024-03-01T10:00:00.250000',
      dest_compute: 'c2',
      dest_host: '192.0.2.1',
      dest_node: 'c2',
      id: m.resize.id,
      instance_uuid: serverA,
      new_instance_type_id: 2,
      old_instance_type_id: 1,
      source_compute: 'c1',
      source_node: 'c1',
      status: 'confirmed',
      updated_at: '2024-03-02T10:00:00.250000',
    });
    // Below 2.59 any parameter passes and the paging ones do nothing.
    expect(ids(await list('?limit=1&changes-since=2030-01-01T00:00:00Z&bogus=1', '2.1'))).toHaveLength(5);
  });

  it('filters by host (either end), source_compute, status, migration_type and instance_uuid', async () => {
    expect(ids(await list('?host=c1', '2.23'))).toEqual([
      m.resize.id,
      m.running.id,
      m.completed.id,
      m.other.id,
      m.queued.id,
    ]);
    expect(ids(await list('?host=c3', '2.23'))).toEqual([m.queued.id]);
    expect(ids(await list('?source_compute=c2', '2.23'))).toEqual([m.other.id]);
    expect(ids(await list('?status=running', '2.23'))).toEqual([m.running.id]);
    expect(ids(await list('?migration_type=resize', '2.23'))).toEqual([m.resize.id]);
    expect(ids(await list(`?instance_uuid=${serverB}`, '2.23'))).toEqual([m.other.id]);
    expect(ids(await list('?instance_uuid=not-a-uuid', '2.23'))).toEqual([]);
    expect(ids(await list('?hidden=true', '2.23'))).toEqual([]);
  });

  it('shows migration_type from 2.23 and links only for in-progress live migrations', async () => {
    const body = await list('', '2.23');
    const byId = new Map(body.migrations.map((migration: { id: number }) => [migration.id, migration]));
    expect(byId.get(m.resize.id)).toMatchObject({ migration_type: 'resize' });
    expect(byId.get(m.resize.id)).not.toHaveProperty('links');
    expect(byId.get(m.completed.id)).not.toHaveProperty('links');
    expect(byId.get(m.running.id)).toMatchObject({
      migration_type: 'live-migration',
      links: [
        { rel: 'self', href: `${stack.apiUrl}/compute/v2.1/servers/${serverA}/migrations/${m.running.id}` },
        { rel: 'bookmark', href: `${stack.apiUrl}/compute/servers/${serverA}/migrations/${m.running.id}` },
      ],
    });
    expect(byId.get(m.queued.id)).toHaveProperty('links');
    expect(byId.get(m.running.id)).not.toHaveProperty('uuid');
  });

  it('pages newest first by uuid marker from 2.59, with a next link and changes-since', async () => {
    const all = await list('', '2.59');
    expect(ids(all)).toEqual([m.queued.id, m.other.id, m.completed.id, m.running.id, m.resize.id]);
    expect(all.migrations[0].uuid).toBe(m.queued.uuid);
    expect(all.migrations[0]).not.toHaveProperty('user_id');

    const first = await list('?limit=2', '2.59');
    expect(ids(first)).toEqual([m.queued.id, m.other.id]);
    expect(first.migrations_links).toEqual([
      { rel: 'next', href: `${stack.apiUrl}/compute/v2.1/os-migrations?limit=2&marker=${m.other.uuid}` },
    ]);
    const second = await list(`?limit=2&marker=${m.other.uuid}`, '2.59');
    expect(ids(second)).toEqual([m.completed.id, m.running.id]);
    const third = await list(`?limit=2&marker=${m.running.uuid}`, '2.59');
    expect(ids(third)).toEqual([m.resize.id]);
    expect(third).not.toHaveProperty('migrations_links');

    expect(ids(await list('?changes-since=2024-03-05T00:00:00Z', '2.59'))).toEqual([m.queued.id, m.other.id]);
    // changes-before is 2.66's: at 2.59 the schema refuses it.
    const early = await admin.get(
      '/compute/v2.1/os-migrations?changes-before=2024-03-04T00:00:00Z',
      at('2.59'),
    );
    expect(early.status).toBe(400);
    expect(early.body.badRequest.message).toBe(
      "Additional properties are not allowed ('changes-before' was unexpected)",
    );
    expect(ids(await list('?changes-before=2024-03-04T00:00:00Z', '2.66'))).toEqual([
      m.running.id,
      m.resize.id,
    ]);
  });

  it('answers Nova 400s for bad paging parameters from 2.59', async () => {
    const cases: [string, string, string][] = [
      [
        '?marker=f0000000-0000-4000-8000-000000000000',
        '2.59',
        'Marker f0000000-0000-4000-8000-000000000000 could not be found.',
      ],
      [
        '?limit=abc',
        '2.59',
        "Invalid input for query parameters limit. Value: abc. 'abc' does not match '^[0-9]*$'",
      ],
      [
        '?limit=1&limit=2',
        '2.59',
        "Invalid input for query parameters limit. Value: ['1', '2']. ['1', '2'] is too long",
      ],
      ['?node=c1', '2.59', "Additional properties are not allowed ('node' was unexpected)"],
      ['?user_id=x', '2.79', "Additional properties are not allowed ('user_id' was unexpected)"],
      [
        '?changes-since=2024-03-05T00:00:00Z&changes-before=2024-03-04T00:00:00Z',
        '2.66',
        'The value of changes-since must be less than or equal to changes-before.',
      ],
      [
        '?changes-since=yesterday',
        '2.59',
        "Invalid input for query parameters changes-since. Value: yesterday. 'yesterday' is not a 'date-time'",
      ],
    ];
    for (const [query, version, message] of cases) {
      const res = await admin.get(`/compute/v2.1/os-migrations${query}`, at(version));
      expect({ query, status: res.status, body: res.body }).toEqual({
        query,
        status: 400,
        body: { badRequest: { code: 400, message } },
      });
    }
  });

  it('shows user_id and project_id from 2.80 and filters by them', async () => {
    const body = await list(`?instance_uuid=${serverB}`, '2.80');
    expect(body.migrations).toEqual([
      expect.objectContaining({ id: m.other.id, user_id: 'someone-else', project_id: 'another-project' }),
    ]);
    expect(ids(await list('?project_id=another-project', '2.80'))).toEqual([m.other.id]);
    expect(ids(await list('?user_id=someone-else', '2.80'))).toEqual([m.other.id]);
  });

  it('is the admin only: a member gets 403', async () => {
    const res = await demo.get('/compute/v2.1/os-migrations', at('2.80'));
    expect(res.status).toBe(403);
    expect(res.body.forbidden.message).toBe(
      "Policy doesn't allow os_compute_api:os-migrations:index to be performed.",
    );
  });

  it("lists and shows a server's in-progress live migrations from 2.23", async () => {
    const url = `/compute/v2.1/servers/${serverA}/migrations`;
    const gated = await admin.get(url, at('2.22'));
    expect(gated.status).toBe(404);
    expect(gated.body.itemNotFound.message).toBe('The resource could not be found.');

    const listed = await admin.get(url, at('2.23'));
    expect(listed.status).toBe(200);
    expect(listed.body.migrations.map((migration: { id: number }) => migration.id)).toEqual([
      m.running.id,
      m.queued.id,
    ]);
    expect(listed.body.migrations[0]).toEqual({
      created_at: '2024-03-02T10:00:00.250000',
      dest_compute: 'c2',
      dest_host: '192.0.2.1',
      dest_node: 'c2',
      id: m.running.id,
      server_uuid: serverA,
      source_compute: 'c1',
      source_node: 'c1',
      status: 'running',
      memory_total_bytes: 1000,
      memory_processed_bytes: 400,
      memory_remaining_bytes: 600,
      disk_total_bytes: 2000,
      disk_processed_bytes: 500,
      disk_remaining_bytes: 1500,
      updated_at: '2024-03-03T10:00:00.250000',
    });
    expect((await admin.get(`/compute/v2.1/servers/${serverB}/migrations`, at('2.23'))).body).toEqual({
      migrations: [],
    });

    const shown = await admin.get(`${url}/${m.running.id}`, at('2.80'));
    expect(shown.status).toBe(200);
    expect(shown.body.migration).toMatchObject({
      id: m.running.id,
      uuid: m.running.uuid,
      server_uuid: serverA,
    });
    expect(shown.body.migration).toHaveProperty('user_id');
    expect(shown.body.migration).toHaveProperty('project_id');
    const at259 = await admin.get(`${url}/${m.running.id}`, at('2.59'));
    expect(at259.body.migration.uuid).toBe(m.running.uuid);
    expect(at259.body.migration).not.toHaveProperty('user_id');

    const missing: [string, string][] = [
      ['9999', `In-progress live migration 9999 is not found for server ${serverA}.`],
      [String(m.other.id), `In-progress live migration ${m.other.id} is not found for server ${serverA}.`],
      ['abc', `In-progress live migration abc is not found for server ${serverA}.`],
      [String(m.resize.id), `Migration ${m.resize.id} for server ${serverA} is not live-migration.`],
      [String(m.completed.id), `Live migration ${m.completed.id} for server ${serverA} is not in progress.`],
    ];
    for (const [id, message] of missing) {
      const res = await admin.get(`${url}/${id}`, at('2.23'));
      expect({ id, status: res.status, message: res.body.itemNotFound?.message }).toEqual({
        id,
        status: 404,
        message,
      });
    }
  });

  it('finds the server first (404), then asks the policy (403)', async () => {
    const unknown = randomUUID();
    const gone = await admin.get(`/compute/v2.1/servers/${unknown}/migrations`, at('2.23'));
    expect(gone.status).toBe(404);
    expect(gone.body.itemNotFound.message).toBe(`Instance ${unknown} could not be found.`);
    const refusals: [string, string, unknown, string][] = [
      ['GET', '', undefined, 'index'],
      ['GET', `/${m.running.id}`, undefined, 'show'],
      ['DELETE', `/${m.running.id}`, undefined, 'delete'],
      ['POST', `/${m.running.id}/action`, { force_complete: null }, 'force_complete'],
    ];
    for (const [method, path, body, policy] of refusals) {
      const res = await demo.request(method, `/compute/v2.1/servers/${serverA}/migrations${path}`, {
        body,
        headers: at('2.80'),
      });
      expect({ method, status: res.status, message: res.body.forbidden?.message }).toEqual({
        method,
        status: 403,
        message: `Policy doesn't allow os_compute_api:servers:migrations:${policy} to be performed.`,
      });
    }
  });

  it('refuses to abort as Nova does: version, task state, unknown migration, migration state', async () => {
    const url = (id: number | string) => `/compute/v2.1/servers/${serverA}/migrations/${id}`;
    const expectError = async (version: string, id: number | string, status: number, message: string) => {
      const res = await admin.delete(url(id), at(version));
      expect({ status: res.status, message: Object.values(res.body ?? {})[0] }).toEqual({
        status,
        message: { code: status, message },
      });
    };
    await expectError('2.23', m.running.id, 404, 'The resource could not be found.');
    await expectError(
      '2.24',
      m.running.id,
      409,
      `Cannot 'abort live migration' instance ${serverA} while it is in task_state None`,
    );
    await setState(serverA, 'active', 'migrating');
    try {
      await expectError('2.24', 9999, 404, `Migration 9999 not found for instance ${serverA}`);
      await expectError('2.24', m.other.id, 404, `Migration ${m.other.id} not found for instance ${serverA}`);
      await expectError(
        '2.24',
        m.completed.id,
        400,
        `Migration ${m.completed.id} state of instance ${serverA} is completed. Cannot abort live migration while the migration is in this state.`,
      );
      // A queued live migration may be aborted only from 2.65.
      await expectError(
        '2.64',
        m.queued.id,
        400,
        `Migration ${m.queued.id} state of instance ${serverA} is queued. Cannot abort live migration while the migration is in this state.`,
      );
    } finally {
      await setState(serverA, 'active', null);
    }
    const actions = await stack.query(
      'SELECT 1 FROM instance_actions WHERE instance_uuid = $1 AND action = $2',
      [serverA, 'live_migration_cancel'],
    );
    expect(actions).toEqual([]);
  });

  it('refuses to force-complete as Nova does: body, version, vm and task state, migration', async () => {
    const url = (id: number | string) => `/compute/v2.1/servers/${serverA}/migrations/${id}/action`;
    const expectError = async (
      version: string,
      id: number | string,
      body: unknown,
      status: number,
      message: string,
    ) => {
      const res = await admin.post(url(id), body, at(version));
      expect({ status: res.status, message: Object.values(res.body ?? {})[0] }).toEqual({
        status,
        message: { code: status, message },
      });
    };
    const force = { force_complete: null };
    await expectError('2.22', m.running.id, { finish: null }, 400, 'There is no such action: finish');
    await expectError('2.22', m.running.id, { a: 1, b: 2 }, 400, 'Malformed request body');
    await expectError('2.21', m.running.id, force, 404, 'The resource could not be found.');
    await expectError(
      '2.22',
      m.running.id,
      { force_complete: 1 },
      400,
      "Invalid input for field/attribute force_complete. Value: 1. 1 is not of type 'null'",
    );
    await expectError(
      '2.22',
      m.running.id,
      force,
      409,
      `Cannot 'force_complete' instance ${serverA} while it is in task_state None`,
    );
    await setState(serverA, 'stopped', 'migrating');
    try {
      await expectError(
        '2.22',
        m.running.id,
        force,
        409,
        `Cannot 'force_complete' instance ${serverA} while it is in vm_state stopped`,
      );
      await setState(serverA, 'active', 'migrating');
      // Nova's force_complete answers an unknown migration with a 400.
      await expectError('2.22', 9999, force, 400, `Migration 9999 not found for instance ${serverA}`);
      await expectError(
        '2.22',
        m.queued.id,
        force,
        400,
        `Migration ${m.queued.id} state of instance ${serverA} is queued. Cannot force complete while the migration is in this state.`,
      );
    } finally {
      await setState(serverA, 'active', null);
    }
    const rows = await stack.query(
      `SELECT 1 FROM instance_actions WHERE instance_uuid = $1 AND action = 'live_migration_force_complete'
       UNION ALL SELECT 1 FROM signal_outbox`,
      [serverA],
    );
    expect(rows).toEqual([]);
  });
  it('aborts (2.65, queued) and force-completes (running) with 202 and their instance actions', async () => {
    // The rows' workflows do not exist: the cancel and the signal find nothing to tell, harmlessly.
    await setState(serverA, 'active', 'migrating');
    try {
      const aborted = await admin.delete(
        `/compute/v2.1/servers/${serverA}/migrations/${m.queued.id}`,
        at('2.65'),
      );
      expect(aborted.status).toBe(202);
      const forced = await admin.post(
        `/compute/v2.1/servers/${serverA}/migrations/${m.running.id}/action`,
        { force_complete: null },
        at('2.22'),
      );
      expect(forced.status).toBe(202);
      const actions = await admin.get(`/compute/v2.1/servers/${serverA}/os-instance-actions`, at('2.1'));
      const names = actions.body.instanceActions.map((action: { action: string }) => action.action);
      expect(names).toEqual(
        expect.arrayContaining(['live_migration_cancel', 'live_migration_force_complete']),
      );
      expect(await stack.query('SELECT 1 FROM signal_outbox')).toEqual([]);
    } finally {
      await setState(serverA, 'active', null);
    }
  });
});
