import { ADMIN, ApiClient, DEMO } from '../support/api-client';
import { bootDefaults, createServer, getServer, waitForServer } from '../support/servers';
import { TestStack } from '../support/stack';

const at = (version: string) => ({ 'OpenStack-API-Version': `compute ${version}` });
const srvAttrs = (server: Record<string, unknown>) =>
  Object.keys(server)
    .filter((key) => key.startsWith('OS-EXT-SRV-ATTR:'))
    .sort();

/**
 * What clients check of Nova 26.2.2's servers API: access IPs, adminPass, /ips, the view's
 * attributes per microversion, all_tenants/tenant_id, changes-since/-before and personality.
 */
describe('servers as Nova 26.2.2 answers', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let demo: ApiClient;
  let imageId: string;
  let networkId: string;
  let demoServer: any;
  let adminServerId: string;

  beforeAll(async () => {
    stack = await TestStack.start({ computeHosts: ['c1'] });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    demo = await ApiClient.login(stack.apiUrl, DEMO);
    ({ imageId, networkId } = await bootDefaults(demo));
    const created = await createServer(demo, {
      name: 'conf-1',
      imageRef: imageId,
      networks: [{ uuid: networkId }],
      adminPass: 'MySecretPass1',
      accessIPv4: '192.0.2.10',
      accessIPv6: '0:0:0:0:0:BABE:DC0C:1602',
    });
    expect(created.status).toBe(202);
    demoServer = { ...created.body.server, ...(await waitForServer(demo, created.body.server.id)) };
    const adminCreated = await createServer(admin, { name: 'conf-admin', imageRef: imageId });
    expect(adminCreated.status).toBe(202);
    adminServerId = adminCreated.body.server.id;
    await waitForServer(admin, adminServerId);
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('returns access IPs as Nova stores them: IPv6 compressed and lower case, on create and update', async () => {
    expect(demoServer.accessIPv4).toBe('192.0.2.10');
    expect(demoServer.accessIPv6).toBe('::babe:dc0c:1602');
    const updated = await demo.put(
      `/compute/v2.1/servers/${demoServer.id}`,
      { server: { accessIPv6: '2001:DB8:0:0:1:0:0:1' } },
      at('2.93'),
    );
    expect(updated.status).toBe(200);
    expect(updated.body.server.accessIPv6).toBe('2001:db8::1:0:0:1');
    expect((await getServer(demo, demoServer.id)).accessIPv6).toBe('2001:db8::1:0:0:1');
  });

  it('answers a PUT with the reduced view before 2.75 and the whole one from 2.75, as Nova', async () => {
    const rename = (version: string) =>
      demo.put(`/compute/v2.1/servers/${demoServer.id}`, { server: { name: 'conf-renamed' } }, at(version));
    const reduced = (await rename('2.74')).body.server;
    for (const key of ['key_name', 'config_drive', 'OS-EXT-STS:vm_state', 'OS-SRV-USG:launched_at'])
      expect(reduced).not.toHaveProperty(key);
    expect(reduced).toMatchObject({ name: 'conf-renamed', status: 'ACTIVE' });
    for (const entries of Object.values(reduced.addresses) as any[][])
      for (const entry of entries) expect(Object.keys(entry).sort()).toEqual(['addr', 'version']);
    const whole = (await rename('2.75')).body.server;
    const shown = (await demo.get(`/compute/v2.1/servers/${demoServer.id}`, at('2.75'))).body.server;
    expect(Object.keys(whole).sort()).toEqual(Object.keys(shown).sort());
  });

  it('answers the adminPass asked for, and generates one only when none was', async () => {
    expect(demoServer.adminPass).toBe('MySecretPass1');
    const created = await createServer(demo, { name: 'conf-pass', imageRef: imageId });
    expect(created.body.server.adminPass).toMatch(/^\S{12}$/);
    expect(created.body.server.security_groups).toEqual([{ name: 'default' }]);
    await demo.delete(`/compute/v2.1/servers/${created.body.server.id}`);
  });

  it('lists addresses under /ips and one network under /ips/{label}, addr and version only', async () => {
    const index = await demo.get(`/compute/v2.1/servers/${demoServer.id}/ips`);
    expect(index.status).toBe(200);
    expect(Object.keys(index.body.addresses)).toEqual(['private']);
    const [address] = index.body.addresses.private;
    expect(Object.keys(address).sort()).toEqual(['addr', 'version']);
    expect(address.version).toBe(4);
    expect(address.addr).toMatch(/^10\.0\.0\.\d+$/);

    const show = await demo.get(`/compute/v2.1/servers/${demoServer.id}/ips/private`);
    expect(show.status).toBe(200);
    expect(show.body).toEqual({ private: index.body.addresses.private });

    const unknown = await demo.get(`/compute/v2.1/servers/${demoServer.id}/ips/public`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({
      itemNotFound: { code: 404, message: 'Instance is not a member of specified network' },
    });
    // Another project's server is not found, as Nova's get_instance says.
    const foreign = await demo.get(`/compute/v2.1/servers/${adminServerId}/ips`);
    expect(foreign.status).toBe(404);
    expect((await admin.get(`/compute/v2.1/servers/${demoServer.id}/ips`)).status).toBe(200);
  });

  it("shows exactly the attributes Nova's view has at each microversion", async () => {
    const show = async (client: ApiClient, version: string) =>
      (await client.get(`/compute/v2.1/servers/${demoServer.id}`, at(version))).body.server;

    const v21 = await show(admin, '2.1');
    expect(srvAttrs(v21)).toEqual([
      'OS-EXT-SRV-ATTR:host',
      'OS-EXT-SRV-ATTR:hypervisor_hostname',
      'OS-EXT-SRV-ATTR:instance_name',
    ]);
    for (const key of ['host_status', 'locked', 'description', 'tags', 'trusted_image_certificates'])
      expect(v21).not.toHaveProperty(key);
    expect(v21.flavor).toHaveProperty('id');

    expect(srvAttrs(await show(admin, '2.3'))).toHaveLength(10);
    expect(await show(admin, '2.9')).toHaveProperty('locked', false);
    expect(await show(admin, '2.15')).not.toHaveProperty('host_status');
    expect(await show(admin, '2.16')).toHaveProperty('host_status', 'UP');
    expect(await show(demo, '2.16')).not.toHaveProperty('host_status');
    expect(await show(admin, '2.18')).not.toHaveProperty('description');
    expect(await show(admin, '2.19')).toHaveProperty('description', null);
    expect(await show(admin, '2.25')).not.toHaveProperty('tags');
    expect(await show(admin, '2.26')).toHaveProperty('tags', []);
    expect(await show(admin, '2.62')).not.toHaveProperty('trusted_image_certificates');
    expect(await show(admin, '2.63')).toHaveProperty('trusted_image_certificates', null);
    expect(await show(admin, '2.70')).not.toHaveProperty('server_groups');
    expect(await show(admin, '2.71')).toHaveProperty('server_groups', []);
    expect(await show(admin, '2.72')).not.toHaveProperty('locked_reason');
    expect(await show(admin, '2.73')).toHaveProperty('locked_reason', null);
    expect(srvAttrs(await show(demo, '2.89'))).toEqual([]);
    expect(srvAttrs(await show(demo, '2.90'))).toEqual(['OS-EXT-SRV-ATTR:hostname']);
    expect(srvAttrs(await show(demo, '2.3'))).toEqual([]);
  });

  it('lists a tenant with all_tenants and tenant_id for admins, ignores tenant_id alone', async () => {
    const ids = async (client: ApiClient, query: string) => {
      const res = await client.get(`/compute/v2.1/servers?${query}`);
      expect(res.status).toBe(200);
      return res.body.servers.map((server: { id: string }) => server.id);
    };
    const demoProject = demoServer.tenant_id;
    const both = await ids(admin, `all_tenants=1&tenant_id=${demoProject}`);
    expect(both).toContain(demoServer.id);
    expect(both).not.toContain(adminServerId);
    const detail = await admin.get(`/compute/v2.1/servers/detail?all_tenants&tenant_id=${demoProject}`);
    expect(detail.body.servers.every((server: any) => server.tenant_id === demoProject)).toBe(true);
    // Without all_tenants Nova drops tenant_id (lp:#1185290): the admin's own servers.
    expect(await ids(admin, `tenant_id=${demoProject}`)).toEqual([adminServerId]);
    expect(await ids(admin, 'all_tenants=1')).toEqual(expect.arrayContaining([demoServer.id, adminServerId]));

    // A non-admin's tenant_id is stripped; its all_tenants meets the get_all_tenants policy.
    const adminProject = (await getServer(admin, adminServerId)).tenant_id;
    expect(await ids(demo, `tenant_id=${adminProject}`)).not.toContain(adminServerId);
    const denied = await demo.get(`/compute/v2.1/servers?all_tenants=1&tenant_id=${adminProject}`);
    expect(denied.status).toBe(403);
    expect(denied.body.forbidden.message).toBe(
      "Policy doesn't allow os_compute_api:servers:index:get_all_tenants to be performed.",
    );
    const deniedDetail = await demo.get('/compute/v2.1/servers/detail?all_tenants=true');
    expect(deniedDetail.body.forbidden.message).toContain('servers:detail:get_all_tenants');
    const invalid = await admin.get('/compute/v2.1/servers?all_tenants=maybe');
    expect(invalid.status).toBe(400);
    expect(invalid.body.badRequest.message).toContain("Unrecognized value 'maybe'");
  });

  it('answers a bad changes-since or changes-before with the 400 of Nova’s query schema', async () => {
    const bad = await demo.get('/compute/v2.1/servers?changes-since=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.badRequest.message).toBe(
      "Invalid input for query parameters changes-since. Value: yesterday. 'yesterday' is not a 'date-time'",
    );
    const badBefore = await demo.get('/compute/v2.1/servers?changes-before=2024-13-01', at('2.66'));
    expect(badBefore.status).toBe(400);
    expect(badBefore.body.badRequest.message).toBe(
      "Invalid input for query parameters changes-before. Value: 2024-13-01. '2024-13-01' is not a 'date-time'",
    );
    const reversed = await demo.get(
      '/compute/v2.1/servers?changes-since=2024-02-01T00:00:00Z&changes-before=2024-01-01',
      at('2.66'),
    );
    expect(reversed.status).toBe(400);
    expect(reversed.body.badRequest.message).toBe(
      'The value of changes-since must be less than or equal to changes-before.',
    );
    const since = await demo.get('/compute/v2.1/servers?changes-since=2000-01-01T00:00:00Z');
    expect(since.status).toBe(200);
    expect(since.body.servers.map((server: { id: string }) => server.id)).toContain(demoServer.id);
    const future = await demo.get('/compute/v2.1/servers?changes-since=2999-01-01');
    expect(future.body.servers).toEqual([]);
  });

  it('accepts and ignores personality before 2.57, within the injected-file quotas, and refuses it from 2.57', async () => {
    const boot = (version: string, personality: unknown) =>
      demo.post(
        '/compute/v2.1/servers',
        { server: { name: 'conf-files', imageRef: imageId, flavorRef: '1', networks: 'none', personality } },
        at(version),
      );
    const file = { path: '/etc/motd', contents: Buffer.from('hello').toString('base64') };
    const accepted = await boot('2.56', [file]);
    expect(accepted.status).toBe(202);
    await demo.delete(`/compute/v2.1/servers/${accepted.body.server.id}`);

    const tooMany = await boot('2.56', Array(6).fill(file));
    expect(tooMany.status).toBe(403);
    expect(tooMany.body.forbidden.message).toBe('Personality file limit exceeded');
    const longPath = await boot('2.56', [{ ...file, path: `/${'p'.repeat(300)}` }]);
    expect(longPath.body.forbidden.message).toBe('Personality file path exceeds maximum 255');
    const notBase64 = await boot('2.56', [{ ...file, contents: 'not base64!' }]);
    expect(notBase64.status).toBe(400);

    const refused = await boot('2.57', [file]);
    expect(refused.status).toBe(400);
    expect(refused.body.badRequest.message).toContain(
      "Additional properties are not allowed ('personality' was unexpected)",
    );
  });
});
