import { request as httpRequest } from 'node:http';
import { ADMIN, ApiClient, DEMO } from '../support/api-client';
import { bootDefaults, createServer, LATEST } from '../support/servers';
import { TestStack } from '../support/stack';

/**
 * Issue 15's first demand: every input bounded as Nova, Keystone, Glance and Neutron bound it,
 * every bad one a 4xx in its service's own error body, and an API that keeps answering /healthz
 * while any one request is refused or running. Statement and request time limits are short here
 * (1 s and 3 s) so that the slow cases end quickly; the regex below needs seconds per row.
 */
const BIG = '99999999999999999999';
/** Four bounded repetitions and a back-reference: PostgreSQL needs ~10 s on one 250-character name. */
const SLOW_REGEX = '(.*){1,255}(.*){1,255}(.*){1,255}(.*){1,255}\\1x';

const novaError = (kind: string, code: number, message: string) => ({ [kind]: { code, message } });

/** /healthz, with when it answered; any status counts: the point is that it answers. */
async function healthz(stack: TestStack): Promise<{ status: number; answeredAt: number }> {
  const res = await fetch(`${stack.apiUrl}/healthz`);
  await res.text();
  return { status: res.status, answeredAt: Date.now() };
}

describe('input bounds', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let demo: ApiClient;
  let demoProject: string;
  let serverId: string;
  let imageId: string;

  beforeAll(async () => {
    stack = await TestStack.start({
      conductor: false,
      config: `
[database]
statement_timeout = 1
[api]
request_timeout = 3
max_servers_per_request = 3
`,
    });
    await stack.waitForApi();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    demo = await ApiClient.login(stack.apiUrl, DEMO);
    demoProject = (await demo.get('/identity/v3/auth/projects')).body.projects[0].id;
    ({ imageId } = await bootDefaults(demo));
    const created = await createServer(demo, { name: 'a'.repeat(250), imageRef: imageId });
    expect(created.status).toBe(202);
    serverId = created.body.server.id;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  describe('strings that stand for numbers meet minimum and maximum, as in Nova', () => {
    it('refuses a quota of "-5" (it was unlimited) and keeps the quota as it was', async () => {
      const path = `/compute/v2.1/os-quota-sets/${demoProject}`;
      const before = (await admin.get(path)).body.quota_set.instances;
      const res = await admin.put(path, { quota_set: { instances: '-5' } });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(
        novaError(
          'badRequest',
          400,
          'Invalid input for field/attribute instances. Value: -5. -5 is less than the minimum of -1',
        ),
      );
      expect((await admin.get(path)).body.quota_set.instances).toBe(before);
      const tooMany = await admin.put(path, { quota_set: { cores: '2147483648' } });
      expect(tooMany.body.badRequest.message).toBe(
        'Invalid input for field/attribute cores. Value: 2147483648. 2147483648 is greater than the maximum of 2147483647',
      );
    });

    it.each([
      [{ vcpus: '' }, "Invalid input for field/attribute vcpus. Value: . '' does not match '^[0-9]+$'"],
      [{ vcpus: '0' }, 'Invalid input for field/attribute vcpus. Value: 0. 0 is less than the minimum of 1'],
      [
        { ram: '99999999999' },
        'Invalid input for field/attribute ram. Value: 99999999999. 99999999999 is greater than the maximum of 2147483647',
      ],
      [
        { rxtx_factor: '0' },
        'Invalid input for field/attribute rxtx_factor. Value: 0. 0 is less than or equal to the minimum of 0',
      ],
    ])('refuses a flavor with %j', async (field, message) => {
      const res = await admin.post('/compute/v2.1/flavors', {
        flavor: { name: 'bounded', ram: 64, vcpus: 1, disk: 1, ...field },
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(novaError('badRequest', 400, message));
    });

    it('refuses a console length below -1 given as a string', async () => {
      const res = await demo.post(`/compute/v2.1/servers/${serverId}/action`, {
        'os-getConsoleOutput': { length: '-2' },
      });
      expect(res.status).toBe(400);
      expect(res.body.badRequest.message).toBe(
        'Invalid input for field/attribute length. Value: -2. -2 is less than the minimum of -1',
      );
    });
  });

  describe('list filters and limits', () => {
    it("refuses a regex filter that does not compile with Nova's 400, never 500", async () => {
      for (const name of ['name', 'ip', 'availability_zone']) {
        const res = await demo.get(`/compute/v2.1/servers/detail?${name}=(`, LATEST);
        expect(res.status).toBe(400);
        expect(res.body).toEqual(
          novaError(
            'badRequest',
            400,
            `Invalid input for query parameters ${name}. Value: (. '(' is not a 'regex'`,
          ),
        );
      }
    });

    it.each([
      [`/compute/v2.1/servers?limit=${BIG}`, 'servers'],
      [`/compute/v2.1/flavors?minRam=${BIG}`, 'flavors'],
      [`/compute/v2.1/flavors/detail?minDisk=${BIG}`, 'flavors'],
      [`/image/v2/images?size_min=${BIG}`, 'images'],
      [`/network/v2.0/networks?mtu=${BIG}`, 'networks'],
      [`/network/v2.0/subnets?ip_version=${BIG}`, 'subnets'],
    ])('answers %s with what matches (nothing beyond any column)', async (path, collection) => {
      const res = await demo.get(path, LATEST);
      expect(res.status).toBe(200);
      const names = (res.body[collection] as { name: string }[]).map((item) => item.name);
      expect(names).toEqual(collection === 'servers' ? ['a'.repeat(250)] : []);
    });

    it('takes a huge limit as no more than the page size', async () => {
      const images = await demo.get(`/image/v2/images?limit=${BIG}`);
      expect(images.status).toBe(200);
      expect(images.body.images.map((image: { name: string }) => image.name)).toContain('cirros');
      const networks = await demo.get(`/network/v2.0/networks?limit=${BIG}`);
      expect(networks.status).toBe(200);
      expect(networks.body.networks.map((network: { name: string }) => network.name)).toContain('private');
    });

    it('refuses a changes-since that is no date, and a marker that is no server', async () => {
      const since = await demo.get('/compute/v2.1/servers?changes-since=99999-99-99T99:99:99Z');
      expect(since.status).toBe(400);
      expect(since.body.badRequest.message).toBe(
        "Invalid input for query parameters changes-since. Value: 99999-99-99T99:99:99Z. '99999-99-99T99:99:99Z' is not a 'date-time'",
      );
      const marker = await demo.get(`/compute/v2.1/servers?marker=${BIG}`);
      expect(marker.status).toBe(400);
      expect(marker.body).toEqual(novaError('badRequest', 400, `marker [${BIG}] not found`));
    });

    it('answers a regex the database cannot match within statement_timeout with 400, /healthz meanwhile', async () => {
      const slow = demo
        .get(`/compute/v2.1/servers?name=${encodeURIComponent(SLOW_REGEX)}`)
        .then((res) => ({ res, answeredAt: Date.now() }));
      const health = await healthz(stack);
      const { res, answeredAt } = await slow;
      expect(res.status).toBe(400);
      expect(res.body).toEqual(
        novaError(
          'badRequest',
          400,
          'Invalid input for query parameters: the regular expression filters took longer to match than the database allows ([database] statement_timeout).',
        ),
      );
      expect(health.answeredAt).toBeLessThanOrEqual(answeredAt);
      expect((await demo.get('/compute/v2.1/servers')).status).toBe(200);
    });
  });

  describe('NUL characters, which PostgreSQL cannot store', () => {
    it("refuses them in names with each service's 400", async () => {
      const image = await demo.post('/image/v2/images', { name: 'a\u0000b' });
      expect(image.status).toBe(400);
      expect(image.body.badRequest.message).toContain(
        "Provided object does not match schema 'image': 'a\u0000b' contains a NUL character",
      );
      const network = await demo.post('/network/v2.0/networks', { network: { name: 'a\u0000b' } });
      expect(network.status).toBe(400);
      expect(network.body).toEqual({
        NeutronError: {
          type: 'HTTPBadRequest',
          message:
            "Invalid input for name. Reason: 'a\u0000b' contains a NUL character, which no field may hold.",
          detail: '',
        },
      });
      const project = await admin.post('/identity/v3/projects', { project: { name: 'p\u0000' } });
      expect(project.status).toBe(400);
      expect(project.body).toEqual({
        error: {
          code: 400,
          title: 'Bad Request',
          message:
            "Invalid input for field 'project/name': 'p\u0000' contains a NUL character, which no field may hold",
        },
      });
      const server = await createServer(demo, { name: 'x', description: 'a\u0000' });
      expect(server.status).toBe(400);
      expect(server.body.badRequest.message).toBe(
        "Invalid input for field/attribute description. Value: a\u0000. 'a\u0000' contains a NUL character, which no field may hold",
      );
    });

    it('refuses them in paths and queries', async () => {
      const message = 'Invalid input: the URL holds a NUL character (%00).';
      expect((await demo.get('/compute/v2.1/servers?name=a%00')).body).toEqual(
        novaError('badRequest', 400, message),
      );
      expect((await demo.get('/compute/v2.1/flavors/a%00b')).body).toEqual(
        novaError('badRequest', 400, message),
      );
      const network = await demo.get('/network/v2.0/networks?name=a%00');
      expect(network.status).toBe(400);
      expect(network.body.NeutronError.message).toBe(message);
    });
  });

  it('refuses a server create with a domain-scoped token as Nova refuses the scope (403)', async () => {
    const roles = await admin.get('/identity/v3/roles?name=admin');
    const users = await admin.get('/identity/v3/users?name=admin');
    const [roleId, userId] = [roles.body.roles[0].id, users.body.users[0].id];
    expect((await admin.put(`/identity/v3/domains/default/users/${userId}/roles/${roleId}`)).status).toBe(
      204,
    );
    const login = await fetch(`${stack.apiUrl}/identity/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: 'admin', domain: { id: 'default' }, password: ADMIN.password } },
          },
          scope: { domain: { id: 'default' } },
        },
      }),
    });
    expect(login.status).toBe(201);
    const domainScoped = new ApiClient(stack.apiUrl, login.headers.get('x-subject-token')!);
    const res = await createServer(domainScoped, { name: 'domain-scoped' });
    expect(res.status).toBe(403);
    expect(res.body).toEqual(
      novaError('forbidden', 403, "Policy doesn't allow os_compute_api:servers:create to be performed."),
    );
    expect((await domainScoped.get('/compute/v2.1/servers')).status).toBe(403);
  });

  it('looks up keys as own keys only: inherited names are not metadata or extra specs', async () => {
    const meta = await demo.get(`/compute/v2.1/servers/${serverId}/metadata/constructor`);
    expect(meta.status).toBe(404);
    expect(meta.body).toEqual(novaError('itemNotFound', 404, 'Metadata item was not found'));
    const removed = await demo.delete(`/compute/v2.1/servers/${serverId}/metadata/toString`);
    expect(removed.status).toBe(404);
    const spec = await demo.get('/compute/v2.1/flavors/1/os-extra_specs/constructor');
    expect(spec.body).toEqual(
      novaError('itemNotFound', 404, 'Flavor 1 has no extra specs with key constructor.'),
    );
    const sort = await demo.get('/compute/v2.1/servers?sort_key=constructor');
    expect(sort.body).toEqual(novaError('badRequest', 400, 'Invalid sort_key: constructor'));
    const filter = await demo.get('/network/v2.0/networks?constructor=x');
    expect(filter.body.NeutronError.message).toBe("['constructor'] is invalid attribute for filtering");
    const fixedIps = await demo.get('/network/v2.0/ports?fixed_ips=__proto__=1');
    expect(fixedIps.status).toBe(200);
    expect(fixedIps.body).toEqual({ ports: [] });

    const groups = await demo.get('/network/v2.0/security-groups?name=default');
    const rule = await demo.post('/network/v2.0/security-group-rules', {
      security_group_rule: {
        security_group_id: groups.body.security_groups[0].id,
        direction: 'ingress',
        protocol: 'constructor',
      },
    });
    expect(rule.status).toBe(400);
    expect(rule.body.NeutronError.type).toBe('SecurityGroupRuleInvalidProtocol');

    // Glance: `constructor` is an extra property like any other, not a base attribute.
    const image = await demo.post('/image/v2/images', { name: 'own-keys' });
    const patched = await demo.patch(
      `/image/v2/images/${image.body.id}`,
      [{ op: 'add', path: '/constructor', value: 'x' }],
      { 'content-type': 'application/openstack-images-v2.1-json-patch' },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.constructor).toBe('x');
  });

  describe('max_count', () => {
    it('refuses a huge count as a member at once with Nova’s 403, /healthz answering, the quota intact', async () => {
      const huge = '1000000000000000';
      const started = Date.now();
      const [res, health] = await Promise.all([
        createServer(demo, { name: 'many', imageRef: imageId, min_count: huge, max_count: huge }),
        healthz(stack),
      ]);
      expect(res.status).toBe(403);
      expect(res.body.forbidden.message).toMatch(
        /^Quota exceeded for instances(, cores, ram)?: Requested 1000000000000000, but already used 1 of 10 instances/,
      );
      expect(health.answeredAt - started).toBeLessThan(1000);
      const quota = await demo.get(`/compute/v2.1/os-quota-sets/${demoProject}/detail`);
      expect(quota.body.quota_set.instances).toEqual({ in_use: 1, limit: 10, reserved: 0 });
      const servers = await demo.get('/compute/v2.1/servers');
      expect(servers.body.servers).toHaveLength(1);
    });

    it('cuts a huge max_count to [api] max_servers_per_request when the quota is unlimited, and refuses a min_count above it', async () => {
      const refused = await createServer(admin, {
        name: 'many',
        imageRef: imageId,
        min_count: 4,
        max_count: BIG,
      });
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual(
        novaError('badRequest', 400, 'min_count 4 is more than the 3 servers one request may create.'),
      );
      const cut = await admin.post(
        '/compute/v2.1/servers',
        {
          server: {
            name: 'many',
            imageRef: imageId,
            flavorRef: '1',
            networks: 'none',
            max_count: BIG,
            return_reservation_id: true,
          },
        },
        LATEST,
      );
      expect(cut.status).toBe(202);
      const reservation = cut.body.reservation_id;
      const made = await admin.get(`/compute/v2.1/servers?reservation_id=${reservation}`, LATEST);
      expect(made.body.servers.map((server: { name: string }) => server.name).sort()).toEqual([
        'many-1',
        'many-2',
        'many-3',
      ]);
    });
  });

  it('answers a request still running after [api] request_timeout with 503, /healthz meanwhile', async () => {
    // A body that never arrives in full: the request stays open until the time limit answers it.
    const slow = new Promise<{ status: number; body: string; answeredAt: number }>((resolve, reject) => {
      const req = httpRequest(
        `${stack.apiUrl}/compute/v2.1/servers`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': '100',
            'x-auth-token': demo.token!,
          },
        },
        (res) => {
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode!, body, answeredAt: Date.now() }));
        },
      );
      req.on('error', reject);
      req.write('{"server": ');
    });
    const health = await healthz(stack);
    const res = await slow;
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toEqual(
      novaError(
        'serviceUnavailable',
        503,
        'The request did not finish within 3 seconds ([api] request_timeout); try again later.',
      ),
    );
    expect(health.answeredAt).toBeLessThanOrEqual(res.answeredAt);
  });
});
