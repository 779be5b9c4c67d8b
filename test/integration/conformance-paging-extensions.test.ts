import { ADMIN, ApiClient, DEMO } from '../support/api-client';
import { ensureOpenstackCli, OpenstackCli } from '../support/openstack-cli';
import { bootDefaults, createServer, waitForServer } from '../support/servers';
import { TestStack } from '../support/stack';

const { cli: cliPath, reason: noCli } = ensureOpenstackCli();
const itWithCli = cliPath ? it : it.skip;
if (!cliPath) console.warn(`skipping the openstack CLI paging and extension tests: ${noCli}`);

const at = (version: string) => ({ 'OpenStack-API-Version': `compute ${version}` });
/** A path and query of an href, so that a next link can be followed with the same client. */
const pathOf = (href: string) => {
  const url = new URL(href);
  return `${url.pathname}${url.search}`;
};

/**
 * What clients check of Nova 26.2.2's /extensions, key pair paging (2.35, user_id from 2.10) and
 * instance action paging and filters (2.58, changes-before from 2.66).
 */
describe('extensions and paging as Nova 26.2.2 answers', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let demo: ApiClient;
  let demoUserId: string;
  let serverId: string;
  /** The seeded actions of the server, newest first, as the list must return them. */
  let requestIds: string[];

  beforeAll(async () => {
    stack = await TestStack.start({ computeHosts: ['c1'] });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    demo = await ApiClient.login(stack.apiUrl, DEMO);
    for (const name of ['kp-b', 'kp-a', 'kp-c']) {
      const res = await demo.post('/compute/v2.1/os-keypairs', { keypair: { name } }, at('2.35'));
      expect(res.status).toBe(201);
      demoUserId = res.body.keypair.user_id;
    }
    const { imageId } = await bootDefaults(demo);
    const created = await createServer(demo, { name: 'paging-1', imageRef: imageId });
    expect(created.status).toBe(202);
    serverId = created.body.server.id;
    await waitForServer(demo, serverId, 120_000);
    // Three more actions at known times after the create, the last updated much later.
    const [create] = await stack.query<{ request_id: string; project_id: string; user_id: string }>(
      'SELECT request_id, project_id, user_id FROM instance_actions WHERE instance_uuid = $1',
      [serverId],
    );
    const times = ['2030-01-01T00:00:00Z', '2030-01-02T00:00:00Z', '2030-01-03T00:00:00Z'];
    for (const [index, action] of ['stop', 'start', 'reboot'].entries()) {
      await stack.query(
        `INSERT INTO instance_actions (instance_uuid, request_id, action, project_id, user_id, start_time, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          serverId,
          `req-seeded-${index}`,
          action,
          create.project_id,
          create.user_id,
          times[index],
          times[index],
        ],
      );
    }
    requestIds = ['req-seeded-2', 'req-seeded-1', 'req-seeded-0', create.request_id];
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  describe('extensions', () => {
    it('lists the fixed v2.1 list, every entry with the same fields', async () => {
      const res = await demo.get('/compute/v2.1/extensions');
      expect(res.status).toBe(200);
      const { extensions } = res.body;
      expect(extensions).toHaveLength(99);
      expect(extensions[0]).toEqual({
        alias: 'NMN',
        description: 'Multiple network support.',
        links: [],
        name: 'Multinic',
        namespace: 'http://docs.openstack.org/compute/ext/fake_xml',
        updated: '2014-12-03T00:00:00Z',
      });
      for (const extension of extensions)
        expect(Object.keys(extension).sort()).toEqual([
          'alias',
          'description',
          'links',
          'name',
          'namespace',
          'updated',
        ]);
      expect(extensions.map((e: any) => e.alias)).toEqual(
        expect.arrayContaining(['os-keypairs', 'os-instance-actions', 'os-server-groups', 'OS-EXT-SRV-ATTR']),
      );
      expect(extensions.map((e: any) => e.alias)).not.toContain('OS-EXT-VIF-NET');
    });

    it('shows one extension by alias, and 404s an unknown alias as webob does', async () => {
      const res = await demo.get('/compute/v2.1/extensions/os-agents');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        extension: {
          alias: 'os-agents',
          description: 'Agents support.',
          links: [],
          name: 'Agents',
          namespace: 'http://docs.openstack.org/compute/ext/fake_xml',
          updated: '2014-12-03T00:00:00Z',
        },
      });
      const missing = await demo.get('/compute/v2.1/extensions/os-nothing');
      expect(missing.status).toBe(404);
      expect(missing.body).toEqual({
        itemNotFound: { code: 404, message: 'The resource could not be found.' },
      });
    });

    itWithCli('works with openstack extension list --compute', async () => {
      const cli = new OpenstackCli(cliPath!, stack.apiUrl, stack.workDir);
      const listed = await cli.json('novaflow-demo', ['extension', 'list', '--compute']);
      expect(listed).toHaveLength(99);
      expect(listed.find((e: any) => e.Alias === 'os-keypairs')).toMatchObject({ Name: 'Keypairs' });
    });
  });

  describe('key pairs', () => {
    const names = (body: any) => body.keypairs.map((k: any) => k.keypair.name);

    it('pages by name from 2.35, with keypairs_links to the next page', async () => {
      const first = await demo.get('/compute/v2.1/os-keypairs?limit=2', at('2.35'));
      expect(first.status).toBe(200);
      expect(names(first.body)).toEqual(['kp-a', 'kp-b']);
      expect(first.body.keypairs_links).toEqual([
        { rel: 'next', href: `${stack.apiUrl}/compute/v2.1/os-keypairs?limit=2&marker=kp-b` },
      ]);
      const next = await demo.get(pathOf(first.body.keypairs_links[0].href), at('2.35'));
      expect(next.status).toBe(200);
      expect(names(next.body)).toEqual(['kp-c']);
      expect(next.body.keypairs_links).toBeUndefined();
    });

    it('ignores limit and marker before 2.35', async () => {
      const res = await demo.get('/compute/v2.1/os-keypairs?limit=1&marker=nope', at('2.34'));
      expect(res.status).toBe(200);
      expect(names(res.body)).toEqual(['kp-a', 'kp-b', 'kp-c']);
      expect(res.body.keypairs_links).toBeUndefined();
    });

    it('answers 400 for a marker that is not one of the key pairs', async () => {
      const res = await demo.get('/compute/v2.1/os-keypairs?marker=nope', at('2.35'));
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ badRequest: { code: 400, message: 'Marker nope could not be found.' } });
      // Someone else's key pair name is no marker either.
      const other = await admin.get('/compute/v2.1/os-keypairs?marker=kp-a', at('2.35'));
      expect(other.status).toBe(400);
    });

    it("lets an admin (only) page another user's key pairs from 2.10, keeping user_id in the link", async () => {
      const res = await admin.get(`/compute/v2.1/os-keypairs?user_id=${demoUserId}&limit=1`, at('2.35'));
      expect(res.status).toBe(200);
      expect(names(res.body)).toEqual(['kp-a']);
      expect(res.body.keypairs_links).toEqual([
        {
          rel: 'next',
          href: `${stack.apiUrl}/compute/v2.1/os-keypairs?user_id=${demoUserId}&limit=1&marker=kp-a`,
        },
      ]);
      const before = await admin.get(`/compute/v2.1/os-keypairs?user_id=${demoUserId}`, at('2.9'));
      expect(names(before.body)).toEqual([]);
      // Nova's "admin or user_id:%(user_id)s": a member naming another user is refused.
      const asDemo = await demo.get(`/compute/v2.1/os-keypairs?user_id=someone-else`, at('2.35'));
      expect(asDemo.status).toBe(403);
      expect(asDemo.body.forbidden.message).toBe(
        "Policy doesn't allow os_compute_api:os-keypairs:index to be performed.",
      );
      const ownId = await demo.get(`/compute/v2.1/os-keypairs?user_id=${demoUserId}`, at('2.35'));
      expect(names(ownId.body)).toEqual(['kp-a', 'kp-b', 'kp-c']);
    });

    itWithCli('works with openstack keypair list --limit 1 at 2.35, following each next link', async () => {
      const cli = new OpenstackCli(cliPath!, stack.apiUrl, stack.workDir);
      const result = await cli.run('novaflow-demo', [
        '--debug', '--os-compute-api-version', '2.35', 'keypair', 'list', '--limit', '1', '-f', 'json',
      ]); // prettier-ignore
      expect(result.code).toBe(0);
      // openstacksdk takes limit as the page size and walks keypairs_links to the end, as on Nova.
      expect(JSON.parse(result.stdout).map((k: any) => k.Name)).toEqual(['kp-a', 'kp-b', 'kp-c']);
      const pages = result.stderr.match(/GET \S*\/os-keypairs\S*/g) ?? [];
      expect(pages.some((line) => line.includes('marker=kp-b'))).toBe(true);
    });
  });

  describe('instance actions', () => {
    const base = () => `/compute/v2.1/servers/${serverId}/os-instance-actions`;
    const ids = (body: any) => body.instanceActions.map((a: any) => a.request_id);

    it('lists newest first, and pages by request id from 2.58 with links to the next page', async () => {
      const all = await demo.get(base(), at('2.58'));
      expect(all.status).toBe(200);
      expect(ids(all.body)).toEqual(requestIds);
      expect(all.body.links).toBeUndefined();

      const first = await demo.get(`${base()}?limit=2`, at('2.58'));
      expect(ids(first.body)).toEqual(requestIds.slice(0, 2));
      expect(first.body.links).toEqual([
        { rel: 'next', href: `${stack.apiUrl}${base()}?limit=2&marker=${requestIds[1]}` },
      ]);
      const next = await demo.get(pathOf(first.body.links[0].href), at('2.58'));
      expect(ids(next.body)).toEqual(requestIds.slice(2));
      // A full last page still links on, as Nova's does; the page after it is empty.
      const after = await demo.get(pathOf(next.body.links[0].href), at('2.58'));
      expect(ids(after.body)).toEqual([]);
      expect(after.body.links).toBeUndefined();
    });

    it('neither pages nor links before 2.58', async () => {
      const res = await demo.get(`${base()}?limit=1`, at('2.57'));
      expect(res.status).toBe(200);
      expect(ids(res.body)).toEqual(requestIds);
      expect(res.body.links).toBeUndefined();
      expect(res.body.instanceActions[0].updated_at).toBeUndefined();
    });

    it("answers Nova's 400s: unknown marker, bad limit, bad or crossed times, unknown parameters", async () => {
      const cases: [string, string, string][] = [
        ['2.58', '?marker=req-nope', 'Marker None could not be found.'],
        [
          '2.58',
          '?limit=-1',
          "Invalid input for query parameters limit. Value: -1. '-1' does not match '^[0-9]*$'",
        ],
        [
          '2.58',
          '?changes-since=yesterday',
          "Invalid input for query parameters changes-since. Value: yesterday. 'yesterday' is not a 'date-time'",
        ],
        [
          '2.58',
          '?changes-before=2030-01-01T00:00:00Z',
          "Additional properties are not allowed ('changes-before' was unexpected)",
        ],
        [
          '2.66',
          '?changes-since=2030-01-02T00:00:00Z&changes-before=2030-01-01T00:00:00Z',
          'The value of changes-since must be less than or equal to changes-before.',
        ],
      ];
      for (const [version, query, message] of cases) {
        const res = await demo.get(`${base()}${query}`, at(version));
        expect([query, res.status, res.body]).toEqual([query, 400, { badRequest: { code: 400, message } }]);
      }
    });

    it('filters on the last update with changes-since, and from 2.66 changes-before', async () => {
      const since = await demo.get(`${base()}?changes-since=2030-01-02T00:00:00Z`, at('2.58'));
      expect(ids(since.body)).toEqual(requestIds.slice(0, 2));
      const window = await demo.get(
        `${base()}?changes-since=2030-01-01T00:00:00Z&changes-before=2030-01-02T00:00:00Z`,
        at('2.66'),
      );
      expect(ids(window.body)).toEqual(['req-seeded-1', 'req-seeded-0']);
      const paged = await demo.get(`${base()}?changes-since=2030-01-01T00:00:00Z&limit=1`, at('2.66'));
      expect(ids(paged.body)).toEqual(['req-seeded-2']);
      expect(pathOf(paged.body.links[0].href)).toBe(
        `${base()}?changes-since=2030-01-01T00%3A00%3A00Z&limit=1&marker=req-seeded-2`,
      );
    });
  });
});
