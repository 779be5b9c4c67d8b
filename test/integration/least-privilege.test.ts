import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { prepareDatabase } from '../../scripts/prepare-database';
import { ADMIN, ApiClient, DEMO, type Credentials, issueToken } from '../support/api-client';
import { TEST_PASSWORDS } from '../support/passwords';
import { computeServices, createServer, waitForServer } from '../support/servers';
import { TestStack } from '../support/stack';

/** The credential every compute host holds: the seeded `nova` service user on project `service`. */
const NOVA: Credentials = { username: 'nova', password: TEST_PASSWORDS.service, project: 'service' };
const OCTETS = { 'content-type': 'application/octet-stream' };

/**
 * Least privilege: a compute host's credential has the `service` role, which reads images (any
 * project's, as the host fetches the image of whatever server it boots) and nothing else; the
 * stack still boots servers with it.
 */
describe('the service credential of compute hosts', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let demo: ApiClient;
  let nova: ApiClient;
  let privateImage: string;
  const data = Buffer.from('a private image of demo, which only demo, admin and services read');

  beforeAll(async () => {
    stack = await TestStack.start({ computeHosts: ['c1'] });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    demo = await ApiClient.login(stack.apiUrl, DEMO);
    nova = await ApiClient.login(stack.apiUrl, NOVA);
    const created = await demo.post('/image/v2/images', {
      name: 'demo-private',
      visibility: 'private',
      disk_format: 'raw',
      container_format: 'bare',
    });
    expect(created.status).toBe(201);
    privateImage = created.body.id;
    const put = await demo.request('PUT', `/image/v2/images/${privateImage}/file`, {
      rawBody: data,
      headers: OCTETS,
    });
    expect(put.status).toBe(204);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('logs in with the service role only', async () => {
    const { body } = await issueToken(stack.apiUrl, NOVA);
    expect(body.token.roles.map((role: { name: string }) => role.name)).toEqual(['service']);
  });

  it("reads any project's image and its data, as a host fetching it must", async () => {
    const shown = await nova.get(`/image/v2/images/${privateImage}`);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({ id: privateImage, status: 'active', owner: expect.any(String) });
    const file = await nova.request('GET', `/image/v2/images/${privateImage}/file`);
    expect(file.status).toBe(200);
    expect(file.text).toBe(data.toString());
    // Another tenant still may not.
    const other = await admin.post('/identity/v3/projects', {
      project: { name: 'other', domain_id: 'default' },
    });
    const member = (await admin.get('/identity/v3/roles?name=member')).body.roles[0].id;
    const demoUser = (await admin.get('/identity/v3/users?name=demo')).body.users[0].id;
    await admin.request(
      'PUT',
      `/identity/v3/projects/${other.body.project.id}/users/${demoUser}/roles/${member}`,
    );
    const outsider = await ApiClient.login(stack.apiUrl, { ...DEMO, project: 'other' });
    expect((await outsider.get(`/image/v2/images/${privateImage}`)).status).toBe(404);
  });

  it('is refused everything else, with each service’s 403', async () => {
    const user = await nova.post('/identity/v3/users', { user: { name: 'intruder', password: 'x' } });
    expect(user.status).toBe(403);
    expect(user.body.error.message).toBe(
      'You are not authorized to perform the requested action: identity:create_user.',
    );
    const allServers = await nova.get('/compute/v2.1/servers/detail?all_tenants=1');
    expect(allServers.status).toBe(403);
    expect(allServers.body.forbidden.message).toMatch(/^Policy doesn't allow os_compute_api:servers:/);
    for (const path of [
      '/compute/v2.1/servers',
      '/compute/v2.1/flavors',
      '/compute/v2.1/os-keypairs',
      '/compute/v2.1/os-hypervisors',
      '/identity/v3/projects',
      '/identity/v3/users',
      '/image/v2/images',
      '/network/v2.0/networks',
      '/network/v2.0/ports',
    ]) {
      expect({ path, status: (await nova.get(path)).status }).toEqual({ path, status: 403 });
    }
    const boot = await createServer(nova, { name: 'by-a-host', imageRef: privateImage });
    expect(boot.status).toBe(403);
    const patch = await nova.request('PATCH', `/image/v2/images/${privateImage}`, {
      rawBody: JSON.stringify([{ op: 'replace', path: '/name', value: 'renamed' }]),
      headers: { 'content-type': 'application/openstack-images-v2.1-json-patch' },
    });
    // Writes see images as a project does: demo's private image is not there for it.
    expect(patch.status).toBe(404);
    expect((await nova.request('DELETE', `/image/v2/images/${privateImage}`)).status).toBe(404);
    expect((await demo.get(`/image/v2/images/${privateImage}`)).body).toMatchObject({
      name: 'demo-private',
      status: 'active',
    });
  });

  it('still lets the admin administer', async () => {
    const user = await admin.post('/identity/v3/users', {
      user: { name: 'created-by-admin', password: 'pw' },
    });
    expect(user.status).toBe(201);
    expect((await admin.get('/compute/v2.1/servers/detail?all_tenants=1')).status).toBe(200);
  });

  it('boots a server from a private image: the host fetched it with the service credential', async () => {
    await computeServices(admin, 1);
    const created = await createServer(demo, { name: 'from-private', imageRef: privateImage });
    expect(created.status).toBe(202);
    const server = await waitForServer(demo, created.body.server.id);
    expect(server.status).toBe('ACTIVE');
    expect(existsSync(join(stack.workDir, 'instances', 'c1', '_base', privateImage))).toBe(true);
  });

  it('takes admin from `nova` in a database seeded before the service role sufficed', async () => {
    // As the earlier seed left it: admin (and service) on project service, the new seed not run.
    await stack.query(
      `INSERT INTO role_assignments (type, actor_id, target_id, role_id)
       SELECT 'UserProject', u.id, p.id, r.id FROM users u, projects p, roles r
        WHERE u.name = 'nova' AND p.name = 'service' AND r.name = 'admin'`,
    );
    await stack.query(`DELETE FROM seed_log WHERE name = 'service-user-least-privilege'`);
    const before = await issueToken(stack.apiUrl, NOVA);
    expect(before.body.token.roles.map((role: { name: string }) => role.name)).toContain('admin');

    await prepareDatabase(stack.databaseUrl, TEST_PASSWORDS);
    const after = await issueToken(stack.apiUrl, NOVA);
    expect(after.body.token.roles.map((role: { name: string }) => role.name)).toEqual(['service']);
    const user = await new ApiClient(stack.apiUrl, after.token).post('/identity/v3/users', {
      user: { name: 'intruder', password: 'x' },
    });
    expect(user.status).toBe(403);
  });
});
