import { ADMIN, ApiClient, DEMO } from '../support/api-client';
import { TestStack } from '../support/stack';

/**
 * What a Nova client (Tempest's response schemas, mostly) checks of flavors, quota sets, quota
 * class sets and version documents: statuses and the exact keys at each microversion, as Nova
 * 26.2.2 answers them.
 */
const BASE = [
  'instances',
  'cores',
  'ram',
  'metadata_items',
  'key_pairs',
  'server_groups',
  'server_group_members',
];
const INJECTED = ['injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes'];
const NETWORK = ['fixed_ips', 'floating_ips', 'security_groups', 'security_group_rules'];
const SERVER_GROUPS = ['server_groups', 'server_group_members'];

const at = (version: string) => ({ 'OpenStack-API-Version': `compute ${version}` });
const keys = (value: object) => Object.keys(value).sort();
const sorted = (...lists: string[][]) => lists.flat().sort();

describe('Nova conformance: flavors, quotas, versions', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let demo: ApiClient;
  let demoProject: string;

  beforeAll(async () => {
    stack = await TestStack.start({ conductor: false });
    await stack.waitForApi();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    demo = await ApiClient.login(stack.apiUrl, DEMO);
    demoProject = (await demo.get('/identity/v3/auth/projects')).body.projects[0].id;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  describe('flavors', () => {
    it('takes an integer id, stores its string form, and answers 200 to extra specs POST', async () => {
      const id = 424242;
      const created = await admin.post('/compute/v2.1/flavors', {
        flavor: { name: 'conformance-int-id', id, ram: 64, vcpus: 1, disk: 1 },
      });
      expect(created.status).toBe(200);
      expect(created.body.flavor.id).toBe(String(id));
      expect((await admin.get(`/compute/v2.1/flavors/${id}`)).body.flavor.id).toBe(String(id));

      const specs = await admin.post(`/compute/v2.1/flavors/${id}/os-extra_specs`, {
        extra_specs: { 'hw:cpu_policy': 'shared', 'quota:cpu_shares': 10 },
      });
      expect(specs.status).toBe(200);
      expect(specs.body).toEqual({ extra_specs: { 'hw:cpu_policy': 'shared', 'quota:cpu_shares': '10' } });
      expect((await admin.delete(`/compute/v2.1/flavors/${id}`)).status).toBe(202);
    });

    it('still refuses an id with surrounding spaces', async () => {
      const res = await admin.post('/compute/v2.1/flavors', {
        flavor: { name: 'conformance-bad-id', id: ' x ', ram: 64, vcpus: 1, disk: 1 },
      });
      expect(res.status).toBe(400);
    });
  });

  describe('quota sets', () => {
    const cases: [string, string[]][] = [
      ['2.1', sorted(BASE, INJECTED, NETWORK)],
      ['2.35', sorted(BASE, INJECTED, NETWORK)],
      ['2.36', sorted(BASE, INJECTED)],
      ['2.56', sorted(BASE, INJECTED)],
      ['2.57', sorted(BASE)],
      ['2.93', sorted(BASE)],
    ];

    it.each(cases)(
      'at %s show, defaults, detail and update carry exactly their fields',
      async (v, fields) => {
        const path = `/compute/v2.1/os-quota-sets/${demoProject}`;
        const show = await admin.get(path, at(v));
        expect(show.status).toBe(200);
        expect(keys(show.body.quota_set)).toEqual(sorted(fields, ['id']));
        const defaults = await admin.get(`${path}/defaults`, at(v));
        expect(defaults.status).toBe(200);
        expect(keys(defaults.body.quota_set)).toEqual(sorted(fields, ['id']));
        const detail = await admin.get(`${path}/detail`, at(v));
        expect(detail.status).toBe(200);
        expect(keys(detail.body.quota_set)).toEqual(sorted(fields, ['id']));
        for (const field of fields) {
          expect(keys(detail.body.quota_set[field])).toEqual(['in_use', 'limit', 'reserved']);
        }
        const update = await admin.put(path, { quota_set: { metadata_items: 128 } }, at(v));
        expect(update.status).toBe(200);
        expect(keys(update.body.quota_set)).toEqual(fields);
      },
    );

    it('takes network quotas before 2.36 and refuses them, and networks, after', async () => {
      const path = `/compute/v2.1/os-quota-sets/${demoProject}`;
      const set = await admin.put(path, { quota_set: { floating_ips: 7 } }, at('2.35'));
      expect(set.status).toBe(200);
      expect(set.body.quota_set.floating_ips).toBe(7);
      expect((await admin.get(path, at('2.1'))).body.quota_set.floating_ips).toBe(7);

      const networks = await admin.put(path, { quota_set: { networks: 1 } }, at('2.1'));
      expect(networks.status).toBe(400);
      expect(networks.body.badRequest.message).toBe('The networks quota has been removed');
      for (const field of [...NETWORK, 'networks']) {
        const refused = await admin.put(path, { quota_set: { [field]: 1 } }, at('2.36'));
        expect(refused.status).toBe(400);
        expect(refused.body.badRequest.message).toContain(`('${field}' was unexpected)`);
      }
      expect((await admin.delete(path)).status).toBe(202);
    });

    it('takes personality quotas before 2.57 and refuses them from 2.57', async () => {
      const path = `/compute/v2.1/os-quota-sets/${demoProject}`;
      const set = await admin.put(path, { quota_set: { injected_file_path_bytes: 200 } }, at('2.56'));
      expect(set.status).toBe(200);
      expect(set.body.quota_set.injected_file_path_bytes).toBe(200);
      for (const field of INJECTED) {
        const refused = await admin.put(path, { quota_set: { [field]: 1 } }, at('2.57'));
        expect(refused.status).toBe(400);
        expect(refused.body.badRequest.message).toContain(`('${field}' was unexpected)`);
      }
      expect((await admin.delete(path)).status).toBe(202);
    });
  });

  describe('quota class sets', () => {
    const cases: [string, string[]][] = [
      [
        '2.1',
        sorted(
          BASE.filter((f) => !SERVER_GROUPS.includes(f)),
          INJECTED,
          NETWORK,
        ),
      ],
      [
        '2.49',
        sorted(
          BASE.filter((f) => !SERVER_GROUPS.includes(f)),
          INJECTED,
          NETWORK,
        ),
      ],
      ['2.50', sorted(BASE, INJECTED)],
      ['2.56', sorted(BASE, INJECTED)],
      ['2.57', sorted(BASE)],
    ];

    it.each(cases)('at %s show and update carry exactly their fields', async (v, fields) => {
      const show = await admin.get('/compute/v2.1/os-quota-class-sets/gold', at(v));
      expect(show.status).toBe(200);
      expect(show.body.quota_class_set.id).toBe('gold');
      expect(keys(show.body.quota_class_set)).toEqual(sorted(fields, ['id']));
      const update = await admin.put(
        '/compute/v2.1/os-quota-class-sets/gold',
        { quota_class_set: { metadata_items: 64 } },
        at(v),
      );
      expect(update.status).toBe(200);
      expect(keys(update.body.quota_class_set)).toEqual(fields);
      expect(update.body.quota_class_set.metadata_items).toBe(64);
    });

    it("shows the configured defaults as 'default', whose changes are every project's defaults", async () => {
      const before = await admin.get('/compute/v2.1/os-quota-class-sets/default', at('2.57'));
      expect(before.body.quota_class_set).toMatchObject({ id: 'default', instances: 10, cores: 20 });
      const update = await admin.put(
        '/compute/v2.1/os-quota-class-sets/default',
        { quota_class_set: { instances: 15 } },
        at('2.57'),
      );
      expect(update.status).toBe(200);
      expect(update.body.quota_class_set.instances).toBe(15);
      const defaults = await demo.get(`/compute/v2.1/os-quota-sets/${demoProject}/defaults`, at('2.57'));
      expect(defaults.body.quota_set.instances).toBe(15);
      const shown = await demo.get(`/compute/v2.1/os-quota-sets/${demoProject}`, at('2.57'));
      expect(shown.body.quota_set.instances).toBe(15);
      await admin.put('/compute/v2.1/os-quota-class-sets/default', { quota_class_set: { instances: 10 } });
    });

    it('refuses removed fields per version, and non-admins', async () => {
      const path = '/compute/v2.1/os-quota-class-sets/gold';
      expect((await admin.put(path, { quota_class_set: { floating_ips: 1 } }, at('2.49'))).status).toBe(200);
      expect((await admin.put(path, { quota_class_set: { floating_ips: 1 } }, at('2.50'))).status).toBe(400);
      expect((await admin.put(path, { quota_class_set: { injected_files: 1 } }, at('2.57'))).status).toBe(
        400,
      );
      expect((await admin.put(path, { quota_class_set: { instances: -2 } })).status).toBe(400);
      const forbidden = await demo.get(path);
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.forbidden.message).toBe(
        "Policy doesn't allow os_compute_api:os-quota-class-sets:show to be performed.",
      );
      expect((await demo.put(path, { quota_class_set: { instances: 1 } })).status).toBe(403);
    });
  });

  describe('versions', () => {
    it('answers the root and both versioned endpoints, with and without a trailing slash', async () => {
      const anonymous = new ApiClient(stack.apiUrl, undefined);
      for (const path of ['/compute', '/compute/']) {
        const root = await anonymous.get(path);
        expect(root.status).toBe(200);
        expect(root.body.versions.map((version: { id: string }) => version.id)).toEqual(['v2.0', 'v2.1']);
      }
      for (const path of ['/compute/v2.1', '/compute/v2.1/', '/compute/v2', '/compute/v2/']) {
        const res = await anonymous.get(path);
        expect(res.status).toBe(200);
        expect(keys(res.body.version)).toEqual(
          ['id', 'links', 'media-types', 'min_version', 'status', 'updated', 'version'].sort(),
        );
      }
    });

    it('gives back the same self link when a client follows each version self link', async () => {
      const root = await admin.get('/compute/');
      for (const version of root.body.versions) {
        const selfLinks = version.links.filter((link: { rel: string }) => link.rel === 'self');
        expect(selfLinks).toHaveLength(1);
        const res = await admin.get(new URL(selfLinks[0].href).pathname);
        expect(res.status).toBe(200);
        expect(res.body.version.id).toBe(version.id);
        expect(res.body.version.links.filter((link: { rel: string }) => link.rel === 'self')).toEqual(
          selfLinks,
        );
      }
    });
  });
});
