import { ADMIN, ApiClient, DEMO } from '../support/api-client';
import { ensureOpenstackCli, OpenstackCli } from '../support/openstack-cli';
import { TestStack } from '../support/stack';

const { cli: cliPath, reason } = ensureOpenstackCli();
const itWithCli = cliPath ? it : it.skip;
if (!cliPath) console.warn(`skipping the openstack CLI security group tests: ${reason}`);

/** Neutron's security groups and rules over HTTP and through the real openstack CLI. */
describe('security groups', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let demo: ApiClient;
  let demoProject: string;
  let privateNetwork: any;

  const groups = '/network/v2.0/security-groups';
  const rules = '/network/v2.0/security-group-rules';
  const createGroup = async (client: ApiClient, group: Record<string, unknown>) => {
    const res = await client.post(groups, { security_group: group });
    expect(res.status).toBe(201);
    return res.body.security_group;
  };
  const createRule = (client: ApiClient, rule: Record<string, unknown>) =>
    client.post(rules, { security_group_rule: { direction: 'ingress', ...rule } });
  const defaultGroupOf = async (client: ApiClient) =>
    (await client.get(`${groups}?name=default`)).body.security_groups[0];

  beforeAll(async () => {
    stack = await TestStack.start({ conductor: false });
    await stack.waitForApi();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    demo = await ApiClient.login(stack.apiUrl, DEMO);
    const projects = await stack.query<{ id: string; name: string }>('SELECT id, name FROM projects');
    demoProject = projects.find((p) => p.name === 'demo')!.id;
    privateNetwork = (await demo.get('/network/v2.0/networks?name=private')).body.networks[0];
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("gives each project one default group on first list, with Neutron's default rules", async () => {
    // Two first lists at once still make one default group.
    const [first, second] = await Promise.all([demo.get(groups), demo.get(groups)]);
    expect(first.status).toBe(200);
    expect(second.body.security_groups.map((g: any) => g.id)).toEqual(
      first.body.security_groups.map((g: any) => g.id),
    );
    const listed = first.body.security_groups;
    expect(listed).toHaveLength(1);
    const group = listed[0];
    expect(group).toMatchObject({
      name: 'default',
      description: 'Default security group',
      stateful: true,
      project_id: demoProject,
      tenant_id: demoProject,
      tags: [],
      revision_number: 0,
    });
    const summary = group.security_group_rules.map((r: any) => [
      r.direction,
      r.ethertype,
      r.protocol,
      r.remote_ip_prefix,
      r.remote_group_id,
    ]);
    expect(summary).toEqual(
      expect.arrayContaining([
        ['egress', 'IPv4', null, null, null],
        ['egress', 'IPv6', null, null, null],
        ['ingress', 'IPv4', null, null, group.id],
        ['ingress', 'IPv6', null, null, group.id],
      ]),
    );
    expect(summary).toHaveLength(4);
    const shown = await demo.get(`${groups}/${group.id}`);
    expect(shown.body.security_group).toEqual(group);

    // The admin sees every project's groups, demo only its own.
    const adminList = (await admin.get(groups)).body.security_groups;
    expect(adminList.filter((g: any) => g.name === 'default').length).toBeGreaterThanOrEqual(2);
    expect((await demo.get(`${groups}?project_id=${group.project_id}&fields=id&fields=name`)).body).toEqual({
      security_groups: [{ id: group.id, name: 'default' }],
    });
  });

  it('creates, updates and deletes a group, and keeps the default one named and undeletable', async () => {
    const group = await createGroup(demo, { name: 'web', description: 'web servers' });
    expect(group).toMatchObject({ name: 'web', description: 'web servers', stateful: true });
    // A new group lets everything out, nothing in.
    expect(group.security_group_rules.map((r: any) => [r.direction, r.ethertype]).sort()).toEqual([
      ['egress', 'IPv4'],
      ['egress', 'IPv6'],
    ]);

    const updated = await demo.put(`${groups}/${group.id}`, { security_group: { name: 'web2' } });
    expect(updated.status).toBe(200);
    expect(updated.body.security_group).toMatchObject({ name: 'web2', revision_number: 1 });
    expect((await demo.get(`${groups}?name=web2`)).body.security_groups).toHaveLength(1);

    const named = await demo.post(groups, { security_group: { name: 'default' } });
    expect(named.status).toBe(409);
    expect(named.body.NeutronError).toMatchObject({
      type: 'SecurityGroupDefaultAlreadyExists',
      message: 'Default security group already exists.',
    });
    const unknown = await demo.post(groups, { security_group: { name: 'x', colour: 'red' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.NeutronError.message).toBe("Unrecognized attribute(s) 'colour'");

    const defaultGroup = await defaultGroupOf(demo);
    const rename = await demo.put(`${groups}/${defaultGroup.id}`, { security_group: { name: 'other' } });
    expect(rename.status).toBe(409);
    expect(rename.body.NeutronError.type).toBe('SecurityGroupCannotUpdateDefault');
    const removeDefault = await demo.delete(`${groups}/${defaultGroup.id}`);
    expect(removeDefault.status).toBe(409);
    expect(removeDefault.body.NeutronError.message).toBe(
      'Insufficient rights for removing default security group.',
    );

    expect((await demo.delete(`${groups}/${group.id}`)).status).toBe(204);
    const gone = await demo.get(`${groups}/${group.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.NeutronError).toMatchObject({
      type: 'SecurityGroupNotFound',
      message: `Security group ${group.id} does not exist`,
    });
  });

  it("creates rules with Neutron's defaults and refuses bad ones and duplicates in Neutron's words", async () => {
    const group = await createGroup(demo, { name: 'rules' });
    const ssh = await createRule(demo, {
      security_group_id: group.id,
      protocol: 'tcp',
      port_range_min: 22,
      port_range_max: 22,
      remote_ip_prefix: '192.168.1.7/24',
    });
    expect(ssh.status).toBe(201);
    expect(ssh.body.security_group_rule).toMatchObject({
      security_group_id: group.id,
      direction: 'ingress',
      ethertype: 'IPv4',
      protocol: 'tcp',
      port_range_min: 22,
      port_range_max: 22,
      // As Neutron's _validate_ip_prefix keeps it: host bits and all.
      remote_ip_prefix: '192.168.1.7/24',
      remote_group_id: null,
      project_id: demoProject,
    });
    const ssh2 = await createRule(demo, {
      security_group_id: group.id,
      protocol: 'tcp',
      port_range_min: 22,
      port_range_max: 22,
      remote_ip_prefix: '192.168.1.7/24',
      description: 'the same rule again',
    });
    expect(ssh2.status).toBe(409);
    expect(ssh2.body.NeutronError).toMatchObject({
      type: 'SecurityGroupRuleExists',
      message: `Security group rule already exists. Rule id is ${ssh.body.security_group_rule.id}.`,
    });
    // Egress to 0.0.0.0/0 is the egress to anywhere every group already has.
    const anywhere = await demo.post(rules, {
      security_group_rule: {
        security_group_id: group.id,
        direction: 'egress',
        remote_ip_prefix: '0.0.0.0/0',
      },
    });
    expect(anywhere.status).toBe(409);
    // An address without a mask gets one, and a filter finds a prefix as it was given.
    const host = await createRule(demo, {
      security_group_id: group.id,
      protocol: 'udp',
      remote_ip_prefix: '10.1.2.3',
    });
    expect(host.body.security_group_rule.remote_ip_prefix).toBe('10.1.2.3/32');
    const found = await demo.get(`${rules}?remote_ip_prefix=10.1.2.3/32&security_group_id=${group.id}`);
    expect(found.body.security_group_rules.map((r: any) => r.id)).toEqual([host.body.security_group_rule.id]);
    expect((await demo.delete(`${rules}/${host.body.security_group_rule.id}`)).status).toBe(204);

    const refusals: [Record<string, unknown>, string, string][] = [
      [{ direction: 'up' }, 'Invalid input for direction. Reason: \'up\' is not in [\'ingress\', \'egress\'].', ''],
      [{ protocol: 'tcp', port_range_min: 80, port_range_max: 22 }, '', 'SecurityGroupInvalidPortRange'],
      [{ port_range_min: 80, port_range_max: 80 }, 'Must also specify protocol if port range is given.', ''],
      [{ protocol: 'foo' }, '', 'SecurityGroupRuleInvalidProtocol'],
      [{ protocol: 'tcp', port_range_min: 70000, port_range_max: 70000 }, 'Invalid value for port 70000.', ''],
      [{ protocol: 'icmp', port_range_min: 300 }, '', 'SecurityGroupInvalidIcmpValue'],
      [{ remote_ip_prefix: '10.0.0.0/8', remote_group_id: group.id }, '', 'SecurityGroupRemoteGroupAndRemoteIpPrefix'],
      [{ ethertype: 'IPv6', remote_ip_prefix: '10.0.0.0/8' }, '', 'SecurityGroupRuleParameterConflict'],
      [{ remote_ip_prefix: 'nonsense' }, "Invalid input for operation: 'nonsense' is not a valid IP prefix or address.", ''],
    ]; // prettier-ignore
    for (const [rule, message, type] of refusals) {
      const res = await createRule(demo, { security_group_id: group.id, ...rule });
      expect([JSON.stringify(rule), res.status]).toEqual([JSON.stringify(rule), 400]);
      if (message) expect(res.body.NeutronError.message).toBe(message);
      if (type) expect(res.body.NeutronError.type).toBe(type);
    }
    const missing = await demo.post(rules, { security_group_rule: { security_group_id: group.id } });
    expect(missing.body.NeutronError.message).toBe(
      "Failed to parse request. Required attribute 'direction' not specified",
    );

    // Ingress from the members of another group, then the rule list as a user filters it.
    const fromDefault = await createRule(demo, {
      security_group_id: group.id,
      ethertype: 'ipv6',
      protocol: 'icmp',
      remote_group_id: (await defaultGroupOf(demo)).id,
    });
    expect(fromDefault.status).toBe(201);
    expect(fromDefault.body.security_group_rule).toMatchObject({ ethertype: 'IPv6', protocol: 'icmp' });
    const ingress = (await demo.get(`${rules}?security_group_id=${group.id}&direction=ingress`)).body;
    expect(ingress.security_group_rules.map((r: any) => r.id).sort()).toEqual(
      [ssh.body.security_group_rule.id, fromDefault.body.security_group_rule.id].sort(),
    );
    const described = await demo.put(`${rules}/${ssh.body.security_group_rule.id}`, {
      security_group_rule: { description: 'ssh from the office' },
    });
    expect(described.body.security_group_rule).toMatchObject({ description: 'ssh from the office' });
    const shownGroup = (await demo.get(`${groups}/${group.id}`)).body.security_group;
    expect(shownGroup.security_group_rules).toHaveLength(4);

    expect((await demo.delete(`${rules}/${ssh.body.security_group_rule.id}`)).status).toBe(204);
    const gone = await demo.get(`${rules}/${ssh.body.security_group_rule.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.NeutronError.type).toBe('SecurityGroupRuleNotFound');
  });

  it("keeps projects apart: another project's groups and rules are 404", async () => {
    const adminGroup = await createGroup(admin, { name: 'admin-only' });
    const ruleId = adminGroup.security_group_rules[0].id;
    expect((await demo.get(`${groups}/${adminGroup.id}`)).status).toBe(404);
    expect((await demo.get(`${rules}/${ruleId}`)).status).toBe(404);
    expect((await demo.get(groups)).body.security_groups.map((g: any) => g.id)).not.toContain(adminGroup.id);
    expect((await demo.get(rules)).body.security_group_rules.map((r: any) => r.id)).not.toContain(ruleId);
    expect((await demo.delete(`${groups}/${adminGroup.id}`)).status).toBe(404);
    const foreignRule = await createRule(demo, { security_group_id: adminGroup.id });
    expect(foreignRule.status).toBe(404);
    const ownGroup = await createGroup(demo, { name: 'mine' });
    const foreignRemote = await createRule(demo, {
      security_group_id: ownGroup.id,
      remote_group_id: adminGroup.id,
    });
    expect(foreignRemote.status).toBe(404);
    const foreignOwner = await demo.post(groups, {
      security_group: { name: 'x', project_id: 'someone-else' },
    });
    expect(foreignOwner.status).toBe(400);
    // The admin may act on demo's groups.
    expect((await admin.get(`${groups}/${ownGroup.id}`)).status).toBe(200);
    expect((await admin.delete(`${groups}/${ownGroup.id}`)).status).toBe(204);
  });

  it("puts a new port in its project's default group, which then cannot be deleted (SecurityGroupInUse)", async () => {
    const port = await demo.post('/network/v2.0/ports', { port: { network_id: privateNetwork.id } });
    expect(port.status).toBe(201);
    const defaultGroup = await defaultGroupOf(demo);
    const members = await stack.query<{ security_group_id: string }>(
      'SELECT security_group_id FROM security_group_port_bindings WHERE port_id = $1',
      [port.body.port.id],
    );
    expect(members).toEqual([{ security_group_id: defaultGroup.id }]);
    // The admin may delete a default group, but not one a port is in.
    const inUse = await admin.delete(`${groups}/${defaultGroup.id}`);
    expect(inUse.status).toBe(409);
    expect(inUse.body.NeutronError).toMatchObject({
      type: 'SecurityGroupInUse',
      message: `Security Group ${defaultGroup.id} in use.`,
    });
    expect((await demo.delete(`/network/v2.0/ports/${port.body.port.id}`)).status).toBe(204);
    expect((await admin.delete(`${groups}/${defaultGroup.id}`)).status).toBe(204);
    // The next use makes a new default group.
    const again = await defaultGroupOf(demo);
    expect(again.id).not.toBe(defaultGroup.id);
  });

  itWithCli('works with openstack security group and security group rule commands', async () => {
    const cli = new OpenstackCli(cliPath!, stack.apiUrl, stack.workDir);
    const group = await cli.json('novaflow-demo', [
      'security', 'group', 'create', 'cli-sg', '--description', 'from the CLI',
    ]); // prettier-ignore
    expect(group).toMatchObject({ name: 'cli-sg', description: 'from the CLI', stateful: true });

    const listed = await cli.json('novaflow-demo', ['security', 'group', 'list']);
    expect(listed.map((g: any) => g.Name).sort()).toEqual(expect.arrayContaining(['cli-sg', 'default']));
    expect(listed.find((g: any) => g.Name === 'cli-sg')).toMatchObject({
      ID: group.id,
      Description: 'from the CLI',
      Project: demoProject,
    });

    const rule = await cli.json('novaflow-demo', [
      'security', 'group', 'rule', 'create', 'cli-sg',
      '--protocol', 'tcp', '--dst-port', '8080:8081', '--remote-ip', '10.1.0.0/16',
    ]); // prettier-ignore
    expect(rule).toMatchObject({
      direction: 'ingress',
      ether_type: 'IPv4',
      protocol: 'tcp',
      port_range_min: 8080,
      port_range_max: 8081,
      remote_ip_prefix: '10.1.0.0/16',
      security_group_id: group.id,
    });
    const icmp = await cli.json('novaflow-demo', [
      'security',
      'group',
      'rule',
      'create',
      'cli-sg',
      '--protocol',
      'icmp',
    ]);
    expect(icmp).toMatchObject({ protocol: 'icmp', remote_ip_prefix: '0.0.0.0/0' });

    const duplicate = await cli.run('novaflow-demo', [
      'security', 'group', 'rule', 'create', 'cli-sg', '--protocol', 'icmp',
    ]); // prettier-ignore
    expect(duplicate.code).not.toBe(0);
    expect(duplicate.stderr).toContain('Security group rule already exists');

    const ruleList = await cli.json('novaflow-demo', ['security', 'group', 'rule', 'list', 'cli-sg']);
    expect(ruleList.find((r: any) => r.ID === rule.id)).toMatchObject({
      'IP Protocol': 'tcp',
      Ethertype: 'IPv4',
      'IP Range': '10.1.0.0/16',
      'Port Range': '8080:8081',
      Direction: 'ingress',
    });
    expect(ruleList).toHaveLength(4);

    const shown = await cli.json('novaflow-demo', ['security', 'group', 'show', 'cli-sg']);
    expect(shown.rules).toHaveLength(4);

    await cli.ok('novaflow-demo', ['security', 'group', 'rule', 'delete', rule.id]);
    expect(await cli.json('novaflow-demo', ['security', 'group', 'rule', 'list', 'cli-sg'])).toHaveLength(3);
    await cli.ok('novaflow-demo', ['security', 'group', 'delete', 'cli-sg']);
    const after = await cli.json('novaflow-demo', ['security', 'group', 'list']);
    expect(after.map((g: any) => g.Name)).not.toContain('cli-sg');
  });
});
