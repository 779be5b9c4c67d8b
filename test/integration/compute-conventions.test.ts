import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN, ApiClient, DEMO } from '../support/api-client';
import { TestStack } from '../support/stack';

/** Nova 26.2.2's own responses, captured; our answers must match them field for field. */
const reference = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'nova-zed', `${name}.json`), 'utf8'));

/** Nova's hrefs point at its own /v2.1; ours at <api>/compute/v2.1. */
const rebase = (value: unknown, apiUrl: string): unknown =>
  JSON.parse(JSON.stringify(value).replace(/http:\/\/127\.0\.0\.1:8774\//g, `${apiUrl}/compute/`));

describe('compute API conventions', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let demo: ApiClient;

  beforeAll(async () => {
    stack = await TestStack.start({ conductor: false });
    await stack.waitForApi();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    demo = await ApiClient.login(stack.apiUrl, DEMO);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  describe('versions and microversions', () => {
    it('publishes the version documents as Nova does', async () => {
      const root = await new ApiClient(stack.apiUrl, undefined).get('/compute');
      expect(root.status).toBe(200);
      expect(root.body).toEqual(rebase(reference('versions_root'), stack.apiUrl));
      for (const path of ['/compute/v2.1', '/compute/v2.1/']) {
        const res = await admin.get(path);
        expect(res.status).toBe(200);
        expect(res.body).toEqual(rebase(reference('version_v2.1'), stack.apiUrl));
      }
    });

    it('negotiates the microversion from either header and echoes it with Vary', async () => {
      const cases: [Record<string, string>, string][] = [
        [{}, '2.1'],
        [{ 'OpenStack-API-Version': 'compute 2.60' }, '2.60'],
        [{ 'OpenStack-API-Version': 'compute latest' }, '2.93'],
        [{ 'X-OpenStack-Nova-API-Version': '2.55' }, '2.55'],
      ];
      for (const [headers, version] of cases) {
        const res = await admin.get('/compute/v2.1/flavors', headers);
        expect(res.status).toBe(200);
        expect(res.headers.get('openstack-api-version')).toBe(`compute ${version}`);
        expect(res.headers.get('x-openstack-nova-api-version')).toBe(version);
        expect(res.headers.get('vary')).toBe('OpenStack-API-Version, X-OpenStack-Nova-API-Version');
      }
    });

    it('answers 406 for a version above the maximum, with Nova body', async () => {
      const res = await admin.get('/compute/v2.1/servers', { 'OpenStack-API-Version': 'compute 2.999' });
      expect(res.status).toBe(406);
      expect(res.body).toEqual(reference('error_406_unsupported_microversion'));
      expect(res.headers.get('openstack-api-version')).toBe('compute 2.999');
    });

    it('answers 400 for a version string of the wrong form', async () => {
      const res = await admin.get('/compute/v2.1/flavors', { 'OpenStack-API-Version': 'compute two' });
      expect(res.status).toBe(400);
      expect(res.body.badRequest.message).toBe(
        'API Version String two is of invalid format. Must be of format MajorNum.MinorNum.',
      );
    });
  });

  describe('errors and request ids', () => {
    it('answers 401 without a token exactly as keystonemiddleware does', async () => {
      const res = await new ApiClient(stack.apiUrl, undefined).get('/compute/v2.1/flavors');
      expect(res.status).toBe(401);
      expect(res.body).toEqual(reference('error_401_no_token'));
      expect(res.headers.get('www-authenticate')).toBe(`Keystone uri="${stack.apiUrl}/identity"`);
    });

    it('puts the same request id in both request-id headers', async () => {
      const res = await admin.get('/compute/v2.1/flavors');
      const id = res.headers.get('x-openstack-request-id');
      expect(id).toMatch(/^req-[0-9a-f-]{36}$/);
      expect(res.headers.get('x-compute-request-id')).toBe(id);
    });

    it('rejects malformed JSON, wrong types, unknown fields and oversized bodies', async () => {
      const malformed = await admin.request('POST', '/compute/v2.1/flavors', {
        rawBody: '{"flavor": {',
        headers: { 'content-type': 'application/json' },
      });
      expect(malformed.status).toBe(400);
      expect(malformed.body).toEqual({ badRequest: { code: 400, message: 'Malformed request body' } });

      const wrongType = await admin.post('/compute/v2.1/flavors', {
        flavor: { name: 'x', ram: 'lots', vcpus: 1, disk: 1 },
      });
      expect(wrongType.status).toBe(400);
      expect(wrongType.body.badRequest.message).toBe(
        // Nova's flavor_param_positive is a copy of volume_size: at least one digit.
        "Invalid input for field/attribute ram. Value: lots. 'lots' does not match '^[0-9]+$'",
      );

      const unknown = await admin.post('/compute/v2.1/flavors', {
        flavor: { name: 'x', ram: 1, vcpus: 1, disk: 1, color: 'red' },
      });
      expect(unknown.status).toBe(400);
      expect(unknown.body.badRequest.message).toBe(
        "Invalid input for field/attribute flavor. Value: {'name': 'x', 'ram': 1, 'vcpus': 1, 'disk': 1, 'color': 'red'}. Additional properties are not allowed ('color' was unexpected)",
      );

      const missing = await admin.post('/compute/v2.1/flavors', { flavor: { name: 'x', ram: 1, vcpus: 1 } });
      expect(missing.body.badRequest.message).toMatch(/'disk' is a required property$/);

      const huge = await admin.post('/compute/v2.1/flavors', { flavor: { name: 'x'.repeat(200_000) } });
      expect(huge.status).toBe(413);
      expect(huge.body).toEqual({ overLimit: { code: 413, message: 'Request is too large.' } });
    });

    it('answers an unknown path with itemNotFound', async () => {
      const res = await admin.get('/compute/v2.1/no-such-thing');
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ itemNotFound: { code: 404, message: 'The resource could not be found.' } });
    });
  });

  describe('flavors', () => {
    it('seeds the five m1 flavors and lists m1.tiny exactly as Nova does at 2.93', async () => {
      const res = await demo.get('/compute/v2.1/flavors/detail', { 'OpenStack-API-Version': 'compute 2.93' });
      expect(res.body.flavors.map((f: any) => [f.id, f.name, f.vcpus, f.ram, f.disk])).toEqual([
        ['1', 'm1.tiny', 1, 512, 1],
        ['2', 'm1.small', 1, 2048, 20],
        ['3', 'm1.medium', 2, 4096, 40],
        ['4', 'm1.large', 4, 8192, 80],
        ['5', 'm1.xlarge', 8, 16384, 160],
      ]);
      expect(res.body.flavors[0]).toEqual(
        (rebase(reference('flavors_detail'), stack.apiUrl) as any).flavors[0],
      );
    });

    it('shapes flavors by microversion: no description, extra_specs or integer swap at 2.1', async () => {
      const res = await demo.get('/compute/v2.1/flavors/1');
      expect(res.body.flavor.swap).toBe('');
      expect(res.body.flavor).not.toHaveProperty('description');
      expect(res.body.flavor).not.toHaveProperty('extra_specs');
    });

    it('pages with limit and marker and a next link', async () => {
      const first = await demo.get('/compute/v2.1/flavors?limit=2');
      expect(first.body.flavors.map((f: any) => f.id)).toEqual(['1', '2']);
      expect(first.body.flavors_links).toEqual([
        { rel: 'next', href: `${stack.apiUrl}/compute/v2.1/flavors?limit=2&marker=2` },
      ]);
      const second = await demo.get('/compute/v2.1/flavors?limit=2&marker=2');
      expect(second.body.flavors.map((f: any) => f.id)).toEqual(['3', '4']);
      const filtered = await demo.get('/compute/v2.1/flavors?minRam=4096&minDisk=80');
      expect(filtered.body.flavors.map((f: any) => f.name)).toEqual(['m1.large', 'm1.xlarge']);
    });

    it('lets admins create and delete flavors, with 409 on duplicates and 403 for members', async () => {
      const body = { flavor: { name: 'c1.test', ram: 256, vcpus: 1, disk: 0, id: 'c1' } };
      const created = await admin.post('/compute/v2.1/flavors', body, {
        'OpenStack-API-Version': 'compute 2.75',
      });
      expect(created.status).toBe(200);
      expect(created.body.flavor).toMatchObject({
        id: 'c1',
        name: 'c1.test',
        ram: 256,
        swap: 0,
        'os-flavor-access:is_public': true,
      });
      const sameName = await admin.post('/compute/v2.1/flavors', { flavor: { ...body.flavor, id: 'c2' } });
      expect(sameName.status).toBe(409);
      expect(sameName.body).toEqual({
        conflictingRequest: { code: 409, message: 'Flavor with name c1.test already exists.' },
      });
      const sameId = await admin.post('/compute/v2.1/flavors', {
        flavor: { ...body.flavor, name: 'c2.test' },
      });
      expect(sameId.body).toEqual({
        conflictingRequest: { code: 409, message: 'Flavor with ID c1 already exists.' },
      });

      const denied = await demo.post('/compute/v2.1/flavors', {
        flavor: { name: 'mine', ram: 1, vcpus: 1, disk: 1 },
      });
      expect(denied.status).toBe(403);
      expect(denied.body).toEqual({
        forbidden: {
          code: 403,
          message: "Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed.",
        },
      });
      expect((await demo.delete('/compute/v2.1/flavors/c1')).status).toBe(403);
      expect((await admin.delete('/compute/v2.1/flavors/c1')).status).toBe(202);
      expect((await admin.get('/compute/v2.1/flavors/c1')).body).toEqual({
        itemNotFound: { code: 404, message: 'Flavor c1 could not be found.' },
      });
    });

    it('hides a private flavor from other projects (404) until access is granted', async () => {
      const demoProject = (await demo.get('/identity/v3/auth/projects')).body.projects[0].id;
      await admin.post('/compute/v2.1/flavors', {
        flavor: {
          name: 'private.one',
          ram: 128,
          vcpus: 1,
          disk: 1,
          id: 'p1',
          'os-flavor-access:is_public': false,
        },
      });
      expect((await demo.get('/compute/v2.1/flavors/p1')).status).toBe(404);
      expect((await demo.get('/compute/v2.1/flavors')).body.flavors.map((f: any) => f.id)).not.toContain(
        'p1',
      );
      expect(
        (await admin.get('/compute/v2.1/flavors?is_public=none')).body.flavors.map((f: any) => f.id),
      ).toContain('p1');
      // Any spelling of oslo's bool_from_string, as Tempest tries them.
      for (const spelling of ['f', 'n', 'off', 'False'])
        expect(
          (await admin.get(`/compute/v2.1/flavors?is_public=${spelling}`)).body.flavors.map((f: any) => f.id),
        ).toEqual(['p1']);

      const granted = await admin.post('/compute/v2.1/flavors/p1/action', {
        addTenantAccess: { tenant: demoProject },
      });
      expect(granted.body).toEqual({ flavor_access: [{ flavor_id: 'p1', tenant_id: demoProject }] });
      expect((await demo.get('/compute/v2.1/flavors/p1')).status).toBe(200);
      expect((await demo.get('/compute/v2.1/flavors/p1/os-flavor-access')).status).toBe(403);
      const duplicate = await admin.post('/compute/v2.1/flavors/p1/action', {
        addTenantAccess: { tenant: demoProject },
      });
      expect(duplicate.status).toBe(409);
      await admin.post('/compute/v2.1/flavors/p1/action', { removeTenantAccess: { tenant: demoProject } });
      expect((await demo.get('/compute/v2.1/flavors/p1')).status).toBe(404);
      const onPublic = await admin.post('/compute/v2.1/flavors/1/action', {
        addTenantAccess: { tenant: demoProject },
      });
      expect(onPublic.body).toEqual({
        conflictingRequest: { code: 409, message: 'Can not add access to a public flavor.' },
      });
    });

    it('keeps extra specs, shown in the flavor from 2.61', async () => {
      await admin.post('/compute/v2.1/flavors', {
        flavor: { name: 'specs', ram: 64, vcpus: 1, disk: 0, id: 's1' },
      });
      const set = await admin.post('/compute/v2.1/flavors/s1/os-extra_specs', {
        extra_specs: { 'hw:cpu_policy': 'shared', 'quota:disk_read_bytes_sec': 10 },
      });
      expect(set.body).toEqual({
        extra_specs: { 'hw:cpu_policy': 'shared', 'quota:disk_read_bytes_sec': '10' },
      });
      expect((await demo.get('/compute/v2.1/flavors/s1/os-extra_specs/hw:cpu_policy')).body).toEqual({
        'hw:cpu_policy': 'shared',
      });
      const mismatch = await admin.put('/compute/v2.1/flavors/s1/os-extra_specs/hw:cpu_policy', {
        other: 'x',
      });
      expect(mismatch.body).toEqual({ badRequest: { code: 400, message: 'Request body and URI mismatch' } });
      expect(
        (await demo.post('/compute/v2.1/flavors/s1/os-extra_specs', { extra_specs: { a: 'b' } })).status,
      ).toBe(403);
      expect(
        (await admin.delete('/compute/v2.1/flavors/s1/os-extra_specs/quota:disk_read_bytes_sec')).status,
      ).toBe(200);
      const shown = await demo.get('/compute/v2.1/flavors/s1', { 'OpenStack-API-Version': 'compute 2.61' });
      expect(shown.body.flavor.extra_specs).toEqual({ 'hw:cpu_policy': 'shared' });
    });
  });

  describe('limits and quotas', () => {
    it("answers GET /limits with Nova's default quotas and no usage", async () => {
      const res = await demo.get('/compute/v2.1/limits', { 'OpenStack-API-Version': 'compute 2.93' });
      expect(Object.keys(res.body.limits.absolute).sort()).toEqual(
        Object.keys(reference('limits').limits.absolute).sort(),
      );
      expect(res.body).toEqual({
        limits: {
          rate: [],
          absolute: {
            maxTotalInstances: 10,
            maxTotalCores: 20,
            maxTotalRAMSize: 51200,
            maxServerMeta: 128,
            maxTotalKeypairs: 100,
            maxServerGroups: 10,
            maxServerGroupMembers: 10,
            totalRAMUsed: 0,
            totalCoresUsed: 0,
            totalInstancesUsed: 0,
            totalServerGroupsUsed: 0,
          },
        },
      });
      const old = await demo.get('/compute/v2.1/limits');
      expect(old.body.limits.absolute).toMatchObject({
        maxPersonality: 5,
        maxSecurityGroups: 10,
        maxImageMeta: 128,
      });
    });

    it('lets an admin change a project quota, which /limits then shows; members may only read', async () => {
      const demoProject = (await demo.get('/identity/v3/auth/projects')).body.projects[0].id;
      const updated = await admin.put(`/compute/v2.1/os-quota-sets/${demoProject}`, {
        quota_set: { instances: 3, cores: '6' },
      });
      expect(updated.status).toBe(200);
      expect(updated.body.quota_set).toMatchObject({ instances: 3, cores: 6, ram: 51200 });
      expect((await demo.get('/compute/v2.1/limits')).body.limits.absolute).toMatchObject({
        maxTotalInstances: 3,
        maxTotalCores: 6,
      });
      const shown = await demo.get(`/compute/v2.1/os-quota-sets/${demoProject}`, {
        'OpenStack-API-Version': 'compute 2.93',
      });
      expect(shown.body.quota_set).toEqual({
        id: demoProject,
        instances: 3,
        cores: 6,
        ram: 51200,
        metadata_items: 128,
        key_pairs: 100,
        server_groups: 10,
        server_group_members: 10,
      });
      const detail = await demo.get(`/compute/v2.1/os-quota-sets/${demoProject}/detail`);
      expect(detail.body.quota_set.instances).toEqual({ limit: 3, in_use: 0, reserved: 0 });
      expect(
        (await demo.put(`/compute/v2.1/os-quota-sets/${demoProject}`, { quota_set: { instances: 50 } }))
          .status,
      ).toBe(403);
      expect(
        (
          await demo.get(
            `/compute/v2.1/os-quota-sets/${(await admin.get('/identity/v3/auth/projects')).body.projects[0].id}`,
          )
        ).status,
      ).toBe(403);
      const invalid = await admin.put(`/compute/v2.1/os-quota-sets/${demoProject}`, {
        quota_set: { instances: -2 },
      });
      expect(invalid.status).toBe(400);
      expect((await admin.delete(`/compute/v2.1/os-quota-sets/${demoProject}`)).status).toBe(202);
      expect((await demo.get('/compute/v2.1/limits')).body.limits.absolute.maxTotalInstances).toBe(10);
    });
  });

  describe('key pairs', () => {
    it('generates a key pair before 2.92, imports one at 2.92, lists, shows and deletes them', async () => {
      const generated = await demo.post(
        '/compute/v2.1/os-keypairs',
        { keypair: { name: 'gen' } },
        { 'OpenStack-API-Version': 'compute 2.91' },
      );
      expect(generated.status).toBe(201);
      expect(generated.body.keypair).toMatchObject({ name: 'gen', type: 'ssh' });
      expect(generated.body.keypair.private_key).toMatch(/^-----BEGIN RSA PRIVATE KEY-----/);
      expect(generated.body.keypair.public_key).toMatch(/^ssh-rsa /);

      const mustImport = await demo.post(
        '/compute/v2.1/os-keypairs',
        { keypair: { name: 'gen2' } },
        { 'OpenStack-API-Version': 'compute 2.92' },
      );
      expect(mustImport.status).toBe(400);
      const imported = await demo.post(
        '/compute/v2.1/os-keypairs',
        { keypair: { name: 'mine', public_key: generated.body.keypair.public_key } },
        { 'OpenStack-API-Version': 'compute 2.92' },
      );
      expect(imported.body.keypair.fingerprint).toBe(generated.body.keypair.fingerprint);
      expect(imported.body.keypair).not.toHaveProperty('private_key');

      const duplicate = await demo.post('/compute/v2.1/os-keypairs', {
        keypair: { name: 'mine', public_key: generated.body.keypair.public_key },
      });
      expect(duplicate.body).toEqual({
        conflictingRequest: { code: 409, message: "Key pair 'mine' already exists." },
      });
      const bad = await demo.post('/compute/v2.1/os-keypairs', {
        keypair: { name: 'bad', public_key: 'ssh-rsa nonsense' },
      });
      expect(bad.body).toEqual({
        badRequest: { code: 400, message: 'Keypair data is invalid: failed to generate fingerprint' },
      });

      const listed = await demo.get('/compute/v2.1/os-keypairs', { 'OpenStack-API-Version': 'compute 2.2' });
      expect(listed.body.keypairs.map((k: any) => k.keypair.name)).toEqual(['gen', 'mine']);
      expect((await admin.get('/compute/v2.1/os-keypairs')).body.keypairs).toEqual([]);
      expect((await demo.get('/compute/v2.1/os-keypairs/mine')).body.keypair).toMatchObject({
        name: 'mine',
        deleted: false,
      });
      expect(
        (await demo.delete('/compute/v2.1/os-keypairs/mine', { 'OpenStack-API-Version': 'compute 2.2' }))
          .status,
      ).toBe(204);
      expect((await demo.get('/compute/v2.1/os-keypairs/mine')).status).toBe(404);
    });
  });

  it('serves an OpenAPI document generated from the code, and Swagger UI', async () => {
    const doc = await new ApiClient(stack.apiUrl, undefined).get('/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe('3.1.0');
    expect(
      doc.body.paths['/compute/v2.1/flavors'].post.requestBody.content['application/json'].schema.required,
    ).toEqual(['flavor']);
    expect(Object.keys(doc.body.paths)).toContain('/identity/v3/auth/tokens');
    const ui = await new ApiClient(stack.apiUrl, undefined).get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger-ui');
  });
});
