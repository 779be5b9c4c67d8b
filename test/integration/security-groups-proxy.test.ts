import { ADMIN, ApiClient, DEMO } from '../support/api-client';
import { ensureOpenstackCli, OpenstackCli } from '../support/openstack-cli';
import { bootDefaults, createServer, getServer, waitForServer } from '../support/servers';
import { TestStack } from '../support/stack';

const { cli: cliPath, reason } = ensureOpenstackCli();
const itWithCli = cliPath ? it : it.skip;
if (!cliPath) console.warn(`skipping the openstack CLI security group proxy tests: ${reason}`);

/** Nova's os-security-groups and os-security-group-rules proxies (below 2.36) over Neutron's groups. */
describe('os-security-groups proxy', () => {
  let stack: TestStack;
  let demo: ApiClient;
  let admin: ApiClient;
  let demoProject: string;

  const V235 = { 'OpenStack-API-Version': 'compute 2.35' };
  const V236 = { 'OpenStack-API-Version': 'compute 2.36' };
  const groups = '/compute/v2.1/os-security-groups';
  const rules = '/compute/v2.1/os-security-group-rules';
  const create = async (name: string, description = `${name} group`) => {
    const res = await demo.post(groups, { security_group: { name, description } });
    expect(res.status).toBe(200);
    return res.body.security_group;
  };

  beforeAll(async () => {
    stack = await TestStack.start({ computeHosts: ['sgp-1'] });
    await stack.waitHealthy();
    demo = await ApiClient.login(stack.apiUrl, DEMO);
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    const projects = await stack.query<{ id: string; name: string }>('SELECT id, name FROM projects');
    demoProject = projects.find((p) => p.name === 'demo')!.id;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("lists the project's Neutron groups in Nova's view, ingress rules only", async () => {
    const res = await demo.get(groups);
    expect(res.status).toBe(200);
    const byName = res.body.security_groups.find((g: any) => g.name === 'default');
    expect(Object.keys(byName).sort()).toEqual(['description', 'id', 'name', 'rules', 'tenant_id']);
    expect(byName.tenant_id).toBe(demoProject);
    // The default group's two ingress rules admit the group itself, IPv4 and IPv6.
    expect(byName.rules).toHaveLength(2);
    expect(byName.rules[0]).toEqual({
      id: expect.any(String),
      parent_group_id: byName.id,
      ip_protocol: null,
      from_port: null,
      to_port: null,
      group: { name: 'default', tenant_id: demoProject },
      ip_range: {},
    });
    const neutron = (await demo.get(`/network/v2.0/security-groups/${byName.id}`)).body.security_group;
    expect(neutron.security_group_rules).toHaveLength(4);
  });

  it('creates, shows, updates and deletes a group with Nova statuses', async () => {
    const web = await create('web', 'web servers');
    expect(web).toEqual({
      id: web.id,
      name: 'web',
      description: 'web servers',
      tenant_id: demoProject,
      rules: [],
    });
    expect((await demo.get(`${groups}/${web.id}`)).body.security_group).toEqual(web);
    const updated = await demo.put(`${groups}/${web.id}`, {
      security_group: { name: 'www', description: 'd' },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.security_group).toMatchObject({ name: 'www', description: 'd' });
    expect((await demo.get(`/network/v2.0/security-groups/${web.id}`)).body.security_group.name).toBe('www');
    expect((await demo.delete(`${groups}/${web.id}`)).status).toBe(202);
    const gone = await demo.get(`${groups}/${web.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.itemNotFound.message).toBe(`Security group ${web.id} does not exist`);
  });

  it("refuses in Nova's words", async () => {
    const notUuid = await demo.get(`${groups}/nope`);
    expect([notUuid.status, notUuid.body.badRequest.message]).toEqual([
      400,
      'Security group id should be uuid',
    ]);
    const noName = await demo.post(groups, { security_group: { description: 'x' } });
    expect([noName.status, noName.body.badRequest.message]).toEqual([400, 'name is not a string or unicode']);
    const empty = await demo.post(groups, {});
    expect(empty.body.badRequest.message).toBe("The request body can't be empty");
    const dflt = await demo.post(groups, { security_group: { name: 'default', description: '' } });
    expect(dflt.status).toBe(403);
    const defaultId = (await demo.get(groups)).body.security_groups.find((g: any) => g.name === 'default').id;
    const keep = await demo.delete(`${groups}/${defaultId}`);
    expect(keep.status).toBe(400);
  });

  it('adds and deletes rules: cidr and group sources, Nova port defaults, duplicates', async () => {
    const app = await create('app');
    const ssh = await demo.post(rules, {
      security_group_rule: {
        parent_group_id: app.id,
        ip_protocol: 'tcp',
        from_port: 22,
        to_port: 22,
        // Host bits and all, as Tempest's test_security_group_rules_create_with_optional_cidr sends it.
        cidr: '10.2.3.124/8',
      },
    });
    expect(ssh.status).toBe(200);
    expect(ssh.body.security_group_rule).toEqual({
      id: expect.any(String),
      parent_group_id: app.id,
      ip_protocol: 'tcp',
      from_port: 22,
      to_port: 22,
      group: {},
      ip_range: { cidr: '10.2.3.124/8' },
    });
    const neutronRule = (
      await demo.get(`/network/v2.0/security-group-rules/${ssh.body.security_group_rule.id}`)
    ).body.security_group_rule;
    expect(neutronRule).toMatchObject({
      direction: 'ingress',
      ethertype: 'IPv4',
      port_range_min: 22,
      port_range_max: 22,
    });

    const dup = await demo.post(rules, {
      security_group_rule: {
        parent_group_id: app.id,
        ip_protocol: 'tcp',
        from_port: 22,
        to_port: 22,
        cidr: '10.2.3.124/8',
      },
    });
    expect([dup.status, dup.body.badRequest.message]).toEqual([
      400,
      `This rule already exists in group ${app.id}`,
    ]);

    const fromGroup = await demo.post(rules, {
      security_group_rule: { parent_group_id: app.id, ip_protocol: 'icmp', group_id: app.id },
    });
    expect(fromGroup.status).toBe(200);
    expect(fromGroup.body.security_group_rule).toMatchObject({
      ip_protocol: 'icmp',
      from_port: -1,
      to_port: -1,
      group: { name: 'app', tenant_id: demoProject },
      ip_range: {},
    });
    const shown = (await demo.get(`${groups}/${app.id}`)).body.security_group;
    expect(shown.rules).toHaveLength(2);

    const cases: [object, string][] = [
      [{ parent_group_id: app.id, cidr: '10.0.0.0/8' }, 'Not enough parameters to build a valid rule.'],
      [{ parent_group_id: app.id, ip_protocol: 'tcp', from_port: 30, to_port: 20 }, 'Invalid port range 30:20. Former value cannot be greater than the later'],
      [{ parent_group_id: app.id, ip_protocol: 'gre', from_port: 1, to_port: 2 }, 'Invalid IP protocol gre.'],
      [{ parent_group_id: app.id, ip_protocol: 'tcp', from_port: 1, to_port: 2, cidr: 'bogus' }, 'bogus is not a valid IP network.'],
      [{ parent_group_id: app.id, ip_protocol: 'tcp', from_port: 1, to_port: 2, cidr: '10.0.0.0/0' }, 'Bad prefix for network in cidr 10.0.0.0/0'],
    ]; // prettier-ignore
    for (const [rule, message] of cases) {
      const res = await demo.post(rules, { security_group_rule: rule });
      expect([res.status, res.body.badRequest?.message]).toEqual([400, message]);
    }

    expect((await demo.delete(`${rules}/${ssh.body.security_group_rule.id}`)).status).toBe(202);
    expect((await demo.delete(`${rules}/${ssh.body.security_group_rule.id}`)).status).toBe(404);
    expect((await demo.get(`${groups}/${app.id}`)).body.security_group.rules).toHaveLength(1);
  });

  it('is gone from 2.36, every route', async () => {
    const group = await create('late');
    expect((await demo.get(groups, V235)).status).toBe(200);
    for (const res of [
      await demo.get(groups, V236),
      await demo.get(`${groups}/${group.id}`, V236),
      await demo.post(groups, { security_group: { name: 'x', description: '' } }, V236),
      await demo.put(`${groups}/${group.id}`, { security_group: { name: 'x', description: '' } }, V236),
      await demo.delete(`${groups}/${group.id}`, V236),
      await demo.post(rules, { security_group_rule: { parent_group_id: group.id } }, V236),
      await demo.delete(`${rules}/${group.id}`, V236),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.itemNotFound.message).toBe('The resource could not be found.');
    }
  });

  it("lists another project's groups only for the admin with all_tenants", async () => {
    const mine = await create('only-demo');
    const adminList = (await admin.get(groups)).body.security_groups.map((g: any) => g.id);
    expect(adminList).not.toContain(mine.id);
    const all = (await admin.get(`${groups}?all_tenants=1`)).body.security_groups.map((g: any) => g.id);
    expect(all).toContain(mine.id);
    expect((await demo.get(`${groups}?limit=1`)).body.security_groups).toHaveLength(1);
  });

  itWithCli('adds and removes a server security group through the openstack CLI', async () => {
    const cli = new OpenstackCli(cliPath!, stack.apiUrl, stack.workDir);
    await create('cli-extra');
    const { imageId, networkId } = await bootDefaults(demo);
    const res = await createServer(demo, {
      name: 'cli-proxy',
      imageRef: imageId,
      networks: [{ uuid: networkId }],
    });
    expect(res.status).toBe(202);
    const server = await waitForServer(demo, res.body.server.id);
    await cli.ok('novaflow-demo', ['server', 'add', 'security', 'group', 'cli-proxy', 'cli-extra']);
    expect((await getServer(demo, server.id)).security_groups).toEqual([
      { name: 'cli-extra' },
      { name: 'default' },
    ]);
    await cli.ok('novaflow-demo', ['server', 'remove', 'security', 'group', server.id, 'cli-extra']);
    expect((await getServer(demo, server.id)).security_groups).toEqual([{ name: 'default' }]);
    const unknown = await cli.run('novaflow-demo', ['server', 'add', 'security', 'group', server.id, 'nope']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('none found');
  });
});
