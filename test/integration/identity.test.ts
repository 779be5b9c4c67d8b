import { ADMIN, ApiClient, DEMO, issueToken } from '../support/api-client';
import { TestStack } from '../support/stack';

/** Keystone v3 as unmodified clients use it: tokens, scopes, catalog, admin resources, policy. */
describe('identity', () => {
  let stack: TestStack;
  let admin: ApiClient;

  beforeAll(async () => {
    stack = await TestStack.start({ conductor: false });
    await stack.waitForApi();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const anonymous = () => new ApiClient(stack.apiUrl, undefined);

  it('publishes the version documents clients discover v3 from', async () => {
    const root = await anonymous().get('/identity');
    expect(root.status).toBe(300);
    expect(root.body.versions.values[0]).toMatchObject({ id: 'v3.14', status: 'stable' });
    const v3 = await anonymous().get('/identity/v3');
    expect(v3.status).toBe(200);
    expect(v3.body.version.links).toEqual([{ rel: 'self', href: `${stack.apiUrl}/identity/v3/` }]);
  });

  it('issues a project-scoped token by name and domain, with user, roles, expiry and catalog', async () => {
    const { token, body } = await issueToken(stack.apiUrl, ADMIN);
    expect(token).toMatch(/^[\w-]{43}$/);
    const t = body.token;
    expect(t.methods).toEqual(['password']);
    expect(t.user).toMatchObject({ name: 'admin', domain: { id: 'default', name: 'Default' } });
    expect(t.project).toMatchObject({ name: 'admin', domain: { id: 'default', name: 'Default' } });
    expect(t.roles.map((role: { name: string }) => role.name)).toEqual(['admin', 'member', 'reader']);
    const lifetime = Date.parse(t.expires_at) - Date.parse(t.issued_at);
    expect(lifetime).toBe(3600 * 1000);
    const byType = Object.fromEntries(t.catalog.map((entry: any) => [entry.type, entry]));
    expect(Object.keys(byType).sort()).toEqual(['compute', 'identity', 'image', 'network', 'volume']);
    expect(byType.compute.endpoints.map((e: any) => e.interface).sort()).toEqual([
      'admin',
      'internal',
      'public',
    ]);
    expect(byType.compute.endpoints[0]).toMatchObject({
      region_id: 'RegionOne',
      url: `${stack.apiUrl}/compute/v2.1`,
    });
    expect(byType.volume.endpoints[0].url).toBe(`${stack.apiUrl}/volume/v3/${t.project.id}`);
  });

  it('issues tokens scoped by project id, and unscoped ones without roles or catalog', async () => {
    const projectId = (await issueToken(stack.apiUrl, DEMO)).body.token.project.id;
    const identity = {
      methods: ['password'],
      password: { user: { name: 'demo', domain: { name: 'Default' }, password: DEMO.password } },
    };
    const byId = await anonymous().post('/identity/v3/auth/tokens', {
      auth: { identity, scope: { project: { id: projectId } } },
    });
    expect(byId.status).toBe(201);
    expect(byId.body.token.project.name).toBe('demo');
    expect(byId.body.token.roles.map((role: { name: string }) => role.name)).toEqual(['member', 'reader']);

    const unscoped = await anonymous().post('/identity/v3/auth/tokens', {
      auth: { identity, scope: 'unscoped' },
    });
    expect(unscoped.status).toBe(201);
    expect(unscoped.body.token.project).toBeUndefined();
    expect(unscoped.body.token.roles).toBeUndefined();
    expect(unscoped.body.token.catalog).toBeUndefined();
  });

  it('refuses a wrong password, an unknown user and a project without a role, all with 401', async () => {
    const attempt = (user: string, password: string, project: string) =>
      anonymous().post('/identity/v3/auth/tokens', {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: user, domain: { id: 'default' }, password } },
          },
          scope: { project: { name: project, domain: { id: 'default' } } },
        },
      });
    for (const res of [
      await attempt('demo', 'wrong', 'demo'),
      await attempt('nobody', 'x', 'demo'),
      await attempt('demo', DEMO.password, 'admin'),
    ]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        error: {
          code: 401,
          title: 'Unauthorized',
          message: 'The request you have made requires authentication.',
        },
      });
    }
  });

  it('validates, checks and revokes a token, after which it is refused', async () => {
    const { token } = await issueToken(stack.apiUrl, DEMO);
    const demo = new ApiClient(stack.apiUrl, token);
    const shown = await admin.get('/identity/v3/auth/tokens', { 'x-subject-token': token });
    expect(shown.status).toBe(200);
    expect(shown.headers.get('x-subject-token')).toBe(token);
    expect(shown.body.token.user.name).toBe('demo');
    expect(
      (await admin.request('HEAD', '/identity/v3/auth/tokens', { headers: { 'x-subject-token': token } }))
        .status,
    ).toBe(200);

    expect((await demo.delete('/identity/v3/auth/tokens', { 'x-subject-token': token })).status).toBe(204);
    const refused = await demo.get('/identity/v3/auth/projects');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe(`Keystone uri="${stack.apiUrl}/identity"`);
    expect((await admin.get('/identity/v3/auth/tokens', { 'x-subject-token': token })).status).toBe(404);
  });

  it('answers 401 with WWW-Authenticate when the token is missing or bad', async () => {
    for (const client of [anonymous(), new ApiClient(stack.apiUrl, 'not-a-token')]) {
      const res = await client.get('/identity/v3/projects');
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(`Keystone uri="${stack.apiUrl}/identity"`);
      expect(res.body.error.code).toBe(401);
    }
  });

  it('keeps tokens valid across an API restart', async () => {
    const { token } = await issueToken(stack.apiUrl, DEMO);
    await stack.restart('api');
    await stack.waitForApi();
    expect((await new ApiClient(stack.apiUrl, token).get('/identity/v3/auth/projects')).status).toBe(200);
  });

  it('lets an admin do what Tempest dynamic credentials do, and cleans up', async () => {
    const project = await admin.post('/identity/v3/projects', {
      project: { name: 'tempest-p1', domain_id: 'default', description: 'x' },
    });
    expect(project.status).toBe(201);
    expect(project.body.project).toMatchObject({
      name: 'tempest-p1',
      domain_id: 'default',
      enabled: true,
      parent_id: 'default',
    });
    const duplicate = await admin.post('/identity/v3/projects', { project: { name: 'tempest-p1' } });
    expect(duplicate.status).toBe(409);

    const user = await admin.post('/identity/v3/users', {
      user: {
        name: 'tempest-u1',
        password: 'pw-1',
        domain_id: 'default',
        default_project_id: project.body.project.id,
      },
    });
    expect(user.status).toBe(201);
    expect(user.body.user).not.toHaveProperty('password');
    const roles = await admin.get('/identity/v3/roles?name=member');
    const memberId = roles.body.roles[0].id;
    const grantPath = `/identity/v3/projects/${project.body.project.id}/users/${user.body.user.id}/roles/${memberId}`;
    expect((await admin.put(grantPath)).status).toBe(204);
    expect((await admin.request('HEAD', grantPath)).status).toBe(204);

    const newcomer = await ApiClient.login(stack.apiUrl, {
      username: 'tempest-u1',
      password: 'pw-1',
      project: 'tempest-p1',
    });
    expect((await newcomer.get('/identity/v3/auth/projects')).body.projects.map((p: any) => p.name)).toEqual([
      'tempest-p1',
    ]);

    const assignments = await admin.get(
      `/identity/v3/role_assignments?user.id=${user.body.user.id}&include_names`,
    );
    expect(assignments.body.role_assignments).toEqual([
      expect.objectContaining({
        role: { id: memberId, name: 'member' },
        scope: {
          project: {
            id: project.body.project.id,
            name: 'tempest-p1',
            domain: { id: 'default', name: 'Default' },
          },
        },
      }),
    ]);

    expect((await admin.delete(grantPath)).status).toBe(204);
    expect((await admin.delete(`/identity/v3/users/${user.body.user.id}`)).status).toBe(204);
    expect((await admin.delete(`/identity/v3/projects/${project.body.project.id}`)).status).toBe(204);
    expect((await admin.get(`/identity/v3/projects/${project.body.project.id}`)).body).toEqual({
      error: {
        code: 404,
        title: 'Not Found',
        message: `Could not find project: ${project.body.project.id}.`,
      },
    });
    expect((await newcomer.get('/identity/v3/auth/projects')).status).toBe(401);
  });

  it('forbids a member the admin APIs in Keystone words', async () => {
    const demo = await ApiClient.login(stack.apiUrl, DEMO);
    const res = await demo.post('/identity/v3/users', { user: { name: 'sneaky' } });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      error: {
        code: 403,
        title: 'Forbidden',
        message: 'You are not authorized to perform the requested action: identity:create_user.',
      },
    });
    expect((await demo.get('/identity/v3/users')).status).toBe(403);
  });

  it('rejects malformed JSON and invalid bodies with 400', async () => {
    const malformed = await anonymous().request('POST', '/identity/v3/auth/tokens', {
      rawBody: '{"auth": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatchObject({ code: 400, title: 'Bad Request' });
    const invalid = await admin.post('/identity/v3/projects', { project: { name: '' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.message).toBe(`Invalid input for field 'project/name': '' is too short`);
  });

  it('puts a request id on every response', async () => {
    for (const res of [await anonymous().get('/identity'), await anonymous().get('/identity/v3/projects')]) {
      expect(res.headers.get('x-openstack-request-id')).toMatch(/^req-[0-9a-f-]{36}$/);
    }
  });
});
