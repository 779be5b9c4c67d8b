import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient, DEMO } from '../support/api-client';
import { ensureOpenstackCli, OpenstackCli } from '../support/openstack-cli';
import { bootDefaults, createServer, getServer, LATEST, waitForServer } from '../support/servers';
import { TestStack, waitFor } from '../support/stack';

const { cli: cliPath, reason } = ensureOpenstackCli();
const itWithCli = cliPath ? it : it.skip;
if (!cliPath) console.warn(`skipping the openstack CLI server security group tests: ${reason}`);

/** A server's security groups as Nova shows them: its ports' groups, joined at create or by action. */
describe('server security groups', () => {
  let stack: TestStack;
  let demo: ApiClient;
  let imageId: string;
  let networkId: string;

  const action = (id: string, body: object) => demo.post(`/compute/v2.1/servers/${id}/action`, body, LATEST);
  const createGroup = async (name: string) =>
    (await demo.post('/network/v2.0/security-groups', { security_group: { name } })).body.security_group;
  const portsOf = async (id: string) => (await demo.get(`/network/v2.0/ports?device_id=${id}`)).body.ports;
  /** The rules the fake hypervisor holds for a guest's port (fake-guests.json), each as one line; null: port security off. */
  const hostRules = (serverId: string, portId: string): string[] | null | undefined => {
    let guests: Record<string, any> = {};
    try {
      guests = JSON.parse(readFileSync(join(stack.workDir, 'instances', 'sg-1', 'fake-guests.json'), 'utf8'));
    } catch {
      return undefined;
    }
    const nic = guests[serverId]?.interfaces?.find((i: any) => i.portId === portId);
    if (nic?.firewallRules === null) return null;
    return nic?.firewallRules?.map(
      (r: any) => `${r.direction} ${r.ethertype} ${r.protocol} ${r.portRangeMin} ${r.remoteIpPrefix}`,
    );
  };
  const hostShowsRules = (serverId: string, portId: string, expected: string[], what: string) =>
    waitFor(
      async () =>
        JSON.stringify(hostRules(serverId, portId)?.sort()) === JSON.stringify([...expected].sort()),
      30_000,
      what,
    );
  const addRule = async (rule: Record<string, unknown>) => {
    const res = await demo.post('/network/v2.0/security-group-rules', { security_group_rule: rule });
    expect(res.status).toBe(201);
    return res.body.security_group_rule;
  };
  const boot = async (server: Record<string, unknown>) => {
    const res = await createServer(demo, {
      name: 'sg',
      imageRef: imageId,
      networks: [{ uuid: networkId }],
      ...server,
    });
    expect(res.status).toBe(202);
    return waitForServer(demo, res.body.server.id);
  };

  beforeAll(async () => {
    stack = await TestStack.start({ computeHosts: ['sg-1'] });
    await stack.waitHealthy();
    demo = await ApiClient.login(stack.apiUrl, DEMO);
    ({ imageId, networkId } = await bootDefaults(demo));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('boots into the groups asked for: the view and the ports say so', async () => {
    const web = await createGroup('web');
    const server = await boot({ security_groups: [{ name: 'web' }] });
    expect(server.status).toBe('ACTIVE');
    expect(server.security_groups).toEqual([{ name: 'web' }]);
    const [port] = await portsOf(server.id);
    expect(port.security_groups).toEqual([web.id]);
    const listed = (await demo.get('/compute/v2.1/servers/detail', LATEST)).body.servers;
    expect(listed.find((s: any) => s.id === server.id).security_groups).toEqual([{ name: 'web' }]);
  });

  it("lists a server's groups in Nova's view at every microversion, and 404s an unknown server", async () => {
    const web = await createGroup('listed-web');
    const server = await boot({ security_groups: [{ name: 'listed-web' }, { name: 'default' }] });
    for (const version of [{ 'OpenStack-API-Version': 'compute 2.1' }, LATEST]) {
      const res = await demo.get(`/compute/v2.1/servers/${server.id}/os-security-groups`, version);
      expect(res.status).toBe(200);
      const groups = res.body.security_groups;
      expect(groups.map((g: any) => g.name)).toEqual(['default', 'listed-web']);
      const listed = groups.find((g: any) => g.id === web.id);
      expect(listed).toMatchObject({ tenant_id: web.tenant_id, description: '', rules: [] });
      // The default group's ingress rules: from members of itself, as Neutron makes them.
      const defaults = groups.find((g: any) => g.name === 'default');
      expect(defaults.rules.length).toBeGreaterThan(0);
      expect(defaults.rules[0]).toMatchObject({ parent_group_id: defaults.id, group: { name: 'default' } });
    }
    const unknown = '00000000-0000-4000-8000-000000000000';
    const missing = await demo.get(`/compute/v2.1/servers/${unknown}/os-security-groups`, LATEST);
    expect(missing.status).toBe(404);
    expect(missing.body.itemNotFound.message).toBe(`Instance ${unknown} could not be found.`);
  });

  it("boots into the project's default group without the field", async () => {
    const server = await boot({});
    expect(server.security_groups).toEqual([{ name: 'default' }]);
  });

  it("refuses unknown and ambiguous groups in Nova's words", async () => {
    const unknown = await createServer(demo, {
      name: 'x',
      imageRef: imageId,
      security_groups: [{ name: 'nope' }],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.badRequest.message).toBe("Unable to find security_group with name or id 'nope'");
    await createGroup('twin');
    await createGroup('twin');
    const twin = await createServer(demo, {
      name: 'x',
      imageRef: imageId,
      security_groups: [{ name: 'twin' }],
    });
    expect(twin.status).toBe(409);
    expect(twin.body.conflictingRequest.message).toBe(
      "Multiple security_group matches found for name 'twin', use an ID to be more specific.",
    );
  });

  it('adds and removes a group on every port, with no instance action', async () => {
    const db = await createGroup('db');
    const server = await boot({});
    expect((await action(server.id, { addSecurityGroup: { name: db.id } })).status).toBe(202);
    expect((await getServer(demo, server.id)).security_groups).toEqual([{ name: 'db' }, { name: 'default' }]);
    expect((await portsOf(server.id))[0].security_groups).toContain(db.id);

    const again = await action(server.id, { addSecurityGroup: { name: 'db' } });
    expect(again.status).toBe(400);

    expect((await action(server.id, { removeSecurityGroup: { name: 'db' } })).status).toBe(202);
    expect((await getServer(demo, server.id)).security_groups).toEqual([{ name: 'default' }]);
    const notThere = await action(server.id, { removeSecurityGroup: { name: 'db' } });
    expect(notThere.status).toBe(404);
    expect(notThere.body.itemNotFound.message).toBe(
      `Security group db not associated with the instance ${server.id}`,
    );
    const actions = (await demo.get(`/compute/v2.1/servers/${server.id}/os-instance-actions`, LATEST)).body
      .instanceActions;
    expect(actions.map((a: any) => a.action)).toEqual(['create']);
  });

  it("answers Nova's 400/404 for a bad body, an unknown group and a server without ports", async () => {
    const server = await boot({});
    const cases: [object, number, string][] = [
      [{ addSecurityGroup: null }, 400, 'Missing parameter dict'],
      [{ addSecurityGroup: {} }, 400, 'Security group not specified'],
      [{ removeSecurityGroup: { name: ' ' } }, 400, 'Security group name cannot be empty'],
    ];
    for (const [body, status, message] of cases) {
      const res = await action(server.id, body);
      expect([res.status, res.body.badRequest?.message]).toEqual([status, message]);
    }
    const unknown = await action(server.id, { addSecurityGroup: { name: 'nope' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.itemNotFound.message).toMatch(/^Security group nope is not found for project /);

    const bare = await createServer(demo, { name: 'bare', imageRef: imageId, networks: 'none' });
    await waitForServer(demo, bare.body.server.id);
    const noPorts = await action(bare.body.server.id, { addSecurityGroup: { name: 'default' } });
    expect(noPorts.status).toBe(404);
    expect(noPorts.body.itemNotFound.message).toBe(
      `instance_id ${bare.body.server.id} could not be found as device id on any ports`,
    );
    expect((await getServer(demo, bare.body.server.id)).security_groups).toBeUndefined();
  });

  it('takes security_groups on port create and update, as Neutron', async () => {
    const group = await createGroup('port-group');
    const created = await demo.post('/network/v2.0/ports', {
      port: { network_id: networkId, security_groups: [group.id] },
    });
    expect(created.status).toBe(201);
    expect(created.body.port.security_groups).toEqual([group.id]);
    const port = created.body.port.id;
    const cleared = await demo.put(`/network/v2.0/ports/${port}`, { port: { security_groups: [] } });
    expect(cleared.body.port.security_groups).toEqual([]);
    const missing = '00000000-0000-4000-8000-000000000000';
    const unknown = await demo.put(`/network/v2.0/ports/${port}`, { port: { security_groups: [missing] } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.NeutronError.message).toBe(`Security group ${missing} does not exist`);
    const off = await demo.put(`/network/v2.0/ports/${port}`, {
      port: { port_security_enabled: false, security_groups: [group.id] },
    });
    expect(off.status).toBe(400);
    await demo.put(`/network/v2.0/ports/${port}`, { port: { security_groups: [group.id] } });
    const keeps = await demo.put(`/network/v2.0/ports/${port}`, { port: { port_security_enabled: false } });
    expect(keeps.status).toBe(409);
    expect(keeps.body.NeutronError.type).toBe('PortSecurityPortHasSecurityGroup');
  });

  itWithCli('creates a server in a group through the openstack CLI', async () => {
    const cli = new OpenstackCli(cliPath!, stack.apiUrl, stack.workDir);
    await createGroup('cli-group');
    const created = await cli.json('novaflow-demo', [
      'server',
      'create',
      '--image',
      imageId,
      '--flavor',
      '1',
      '--network',
      networkId,
      '--security-group',
      'cli-group',
      '--wait',
      'cli-sg',
    ]);
    const server = await waitForServer(demo, created.id);
    expect(server.security_groups).toEqual([{ name: 'cli-group' }]);
    // `server add/remove security group` look the group up through Nova's os-security-groups
    // proxy: security-groups-proxy.test.ts drives them with the CLI.
  });

  it("hands the host each port's rules, and every change of them, remote groups as addresses", async () => {
    const fw = await createGroup('fw');
    const server = await boot({ security_groups: [{ name: 'fw' }] });
    const [port] = await portsOf(server.id);
    const own = port.fixed_ips[0].ip_address;
    // A new group's own rules: egress anywhere, both ethertypes.
    const egress = ['egress IPv4 null null null', 'egress IPv6 null null null'];
    expect(hostRules(server.id, port.id)?.sort()).toEqual(egress);

    const ssh = await addRule({
      security_group_id: fw.id,
      direction: 'ingress',
      protocol: 'tcp',
      port_range_min: 22,
      port_range_max: 22,
      remote_ip_prefix: '10.1.0.0/16',
    });
    const withSsh = [...egress, 'ingress IPv4 tcp 22 10.1.0.0/16'];
    await hostShowsRules(server.id, port.id, withSsh, 'the host to get the ssh rule');

    // A rule naming the group itself as remote: its members' addresses.
    await addRule({ security_group_id: fw.id, direction: 'ingress', remote_group_id: fw.id });
    const withPeers = [...withSsh, `ingress IPv4 null null ${own}/32`];
    await hostShowsRules(server.id, port.id, withPeers, 'the host to get the group peers rule');

    // addSecurityGroup and removeSecurityGroup reach it too.
    const icmp = await createGroup('fw-icmp');
    await addRule({ security_group_id: icmp.id, direction: 'ingress', protocol: 'icmp' });
    expect((await action(server.id, { addSecurityGroup: { name: 'fw-icmp' } })).status).toBe(202);
    const withIcmp = [...withPeers, ...egress, 'ingress IPv4 icmp null null'];
    await hostShowsRules(server.id, port.id, withIcmp, 'the host to get the added group');
    expect((await action(server.id, { removeSecurityGroup: { name: 'fw-icmp' } })).status).toBe(202);
    await hostShowsRules(server.id, port.id, withPeers, 'the host to lose the removed group');

    expect((await demo.delete(`/network/v2.0/security-group-rules/${ssh.id}`)).status).toBe(204);
    await hostShowsRules(
      server.id,
      port.id,
      withPeers.filter((r) => !r.includes('tcp')),
      'the ssh rule gone',
    );

    // Port security off: nothing to filter.
    const off = await demo.put(`/network/v2.0/ports/${port.id}`, {
      port: { security_groups: [], port_security_enabled: false },
    });
    expect(off.status).toBe(200);
    await waitFor(async () => hostRules(server.id, port.id) === null, 30_000, 'the host to filter nothing');
  });
});
