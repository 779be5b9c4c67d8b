import { ADMIN, ApiClient, DEMO } from '../support/api-client';
import { TestStack } from '../support/stack';

/** The network API (Neutron v2.0's core) over HTTP, as openstacksdk and the CLI use it. */
describe('network API', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let demo: ApiClient;
  let adminProject: string;
  let demoProject: string;
  let privateNetwork: any;

  const NEUTRON_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
  const MAC = /^fa:16:3e(:[0-9a-f]{2}){3}$/;

  const createNetwork = async (client: ApiClient, network: Record<string, unknown>) => {
    const res = await client.post('/network/v2.0/networks', { network });
    expect(res.status).toBe(201);
    return res.body.network;
  };
  const createSubnet = async (client: ApiClient, subnet: Record<string, unknown>) => {
    const res = await client.post('/network/v2.0/subnets', { subnet: { ip_version: 4, ...subnet } });
    expect(res.status).toBe(201);
    return res.body.subnet;
  };
  const createPort = (client: ApiClient, port: Record<string, unknown>) =>
    client.post('/network/v2.0/ports', { port });

  beforeAll(async () => {
    stack = await TestStack.start({ conductor: false });
    await stack.waitForApi();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    demo = await ApiClient.login(stack.apiUrl, DEMO);
    const projects = await stack.query<{ id: string; name: string }>('SELECT id, name FROM projects');
    adminProject = projects.find((p) => p.name === 'admin')!.id;
    demoProject = projects.find((p) => p.name === 'demo')!.id;
    privateNetwork = (await demo.get('/network/v2.0/networks?name=private')).body.networks[0];
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('publishes the version list without a token, and the v2.0 resources and extensions with one', async () => {
    const root = await new ApiClient(stack.apiUrl, undefined).get('/network');
    expect(root.status).toBe(200);
    expect(root.body).toEqual({
      versions: [
        { id: 'v2.0', status: 'CURRENT', links: [{ rel: 'self', href: `${stack.apiUrl}/network/v2.0/` }] },
      ],
    });
    const v2 = await demo.get('/network/v2.0');
    expect(v2.body.resources.map((r: any) => r.collection)).toEqual(['networks', 'subnets', 'ports']);
    expect(v2.body.resources[0].links[0].href).toBe(`${stack.apiUrl}/network/v2.0/networks`);

    const extensions = await demo.get('/network/v2.0/extensions');
    const aliases = extensions.body.extensions.map((e: any) => e.alias);
    expect(aliases).toEqual(
      expect.arrayContaining(['binding', 'external-net', 'port-security', 'standard-attr-tag']),
    );
    expect((await demo.get('/network/v2.0/extensions/binding')).body.extension.name).toBe('Port Binding');
    const missing = await demo.get('/network/v2.0/extensions/dns-integration');
    expect(missing.status).toBe(404);
    expect(missing.body.NeutronError.message).toBe('Extension with alias dns-integration does not exist');

    const anonymous = await new ApiClient(stack.apiUrl, undefined).get('/network/v2.0/networks');
    expect(anonymous.status).toBe(401);
  });

  it('seeds the shared network private with its /24 subnet, visible to every project', async () => {
    expect(privateNetwork).toMatchObject({
      name: 'private',
      shared: true,
      'router:external': false,
      status: 'ACTIVE',
      admin_state_up: true,
      tenant_id: adminProject,
      project_id: adminProject,
    });
    expect(privateNetwork.subnets).toHaveLength(1);
    const subnet = (await demo.get(`/network/v2.0/subnets/${privateNetwork.subnets[0]}`)).body.subnet;
    expect(subnet).toMatchObject({
      name: 'private-subnet',
      network_id: privateNetwork.id,
      ip_version: 4,
      cidr: '10.0.0.0/24',
      gateway_ip: '10.0.0.1',
      allocation_pools: [{ start: '10.0.0.2', end: '10.0.0.254' }],
      enable_dhcp: true,
      project_id: adminProject,
    });
  });

  it('creates, shows, updates and deletes a network with Neutron fields', async () => {
    const network = await createNetwork(demo, { name: 'crud-net', description: 'for the test' });
    expect(network).toMatchObject({
      name: 'crud-net',
      description: 'for the test',
      status: 'ACTIVE',
      shared: false,
      'router:external': false,
      admin_state_up: true,
      mtu: 1500,
      port_security_enabled: true,
      subnets: [],
      tags: [],
      revision_number: 0,
      tenant_id: demoProject,
      project_id: demoProject,
    });
    expect(network.created_at).toMatch(NEUTRON_TIME);
    expect(network.updated_at).toMatch(NEUTRON_TIME);

    const shown = await demo.get(`/network/v2.0/networks/${network.id}`);
    expect(shown.status).toBe(200);
    expect(shown.body.network).toEqual(network);

    const updated = await demo.put(`/network/v2.0/networks/${network.id}`, {
      network: { name: 'renamed-net', admin_state_up: false, mtu: 1400 },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.network).toMatchObject({
      name: 'renamed-net',
      admin_state_up: false,
      mtu: 1400,
      description: 'for the test',
      revision_number: 1,
    });
    const tooBig = await demo.put(`/network/v2.0/networks/${network.id}`, { network: { mtu: 9000 } });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.NeutronError.message).toBe(
      'Invalid input for operation: Requested MTU is too big, maximum is 1500.',
    );

    expect((await demo.delete(`/network/v2.0/networks/${network.id}`)).status).toBe(204);
    const gone = await demo.get(`/network/v2.0/networks/${network.id}`);
    expect(gone.status).toBe(404);
    expect(gone.body).toEqual({
      NeutronError: {
        type: 'NetworkNotFound',
        message: `Network ${network.id} could not be found.`,
        detail: '',
      },
    });
  });

  it('answers bad bodies with 400 in Neutron words', async () => {
    const unknown = await demo.post('/network/v2.0/networks', { network: { name: 'x', colour: 'red' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.NeutronError).toEqual({
      type: 'HTTPBadRequest',
      message: "Unrecognized attribute(s) 'colour'",
      detail: '',
    });
    const wrongType = await demo.post('/network/v2.0/networks', { network: { shared: 'yes' } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.NeutronError.message).toBe(
      "Invalid input for shared. Reason: 'yes' is not of type 'boolean'.",
    );
    const noNetwork = await demo.post('/network/v2.0/subnets', { subnet: { cidr: '10.9.0.0/24' } });
    expect(noNetwork.body.NeutronError.message).toBe(
      "Failed to parse request. Required attribute 'network_id' not specified",
    );
  });

  it("keeps projects apart: other projects' networks are 404, shared ones readable but not theirs to change", async () => {
    const adminOnly = await createNetwork(admin, { name: 'admin-only' });
    await createNetwork(demo, { name: 'demo-visible' });

    const hidden = await demo.get(`/network/v2.0/networks/${adminOnly.id}`);
    expect(hidden.status).toBe(404);
    expect(hidden.body.NeutronError.type).toBe('NetworkNotFound');
    expect((await demo.delete(`/network/v2.0/networks/${adminOnly.id}`)).status).toBe(404);
    const demoNames = (await demo.get('/network/v2.0/networks')).body.networks.map((n: any) => n.name);
    expect(demoNames).toContain('private');
    expect(demoNames).toContain('demo-visible');
    expect(demoNames).not.toContain('admin-only');
    const adminNames = (await admin.get('/network/v2.0/networks')).body.networks.map((n: any) => n.name);
    expect(adminNames).toEqual(expect.arrayContaining(['private', 'demo-visible', 'admin-only']));

    // The shared network is readable but only its owner (or the admin) changes it.
    const rename = await demo.put(`/network/v2.0/networks/${privateNetwork.id}`, {
      network: { name: 'mine' },
    });
    expect(rename.status).toBe(403);
    expect(rename.body.NeutronError.type).toBe('PolicyNotAuthorized');
    expect((await demo.delete(`/network/v2.0/networks/${privateNetwork.id}`)).status).toBe(403);
    const subnetOnShared = await demo.post('/network/v2.0/subnets', {
      subnet: { network_id: privateNetwork.id, cidr: '10.50.0.0/24', ip_version: 4 },
    });
    expect(subnetOnShared.status).toBe(403);
    const subnetOnHidden = await demo.post('/network/v2.0/subnets', {
      subnet: { network_id: adminOnly.id, cidr: '10.51.0.0/24', ip_version: 4 },
    });
    expect(subnetOnHidden.status).toBe(404);

    // Only the admin shares a network or makes it external, and creates for another project.
    for (const attribute of ['shared', 'router:external']) {
      const refused = await demo.post('/network/v2.0/networks', {
        network: { name: 'x', [attribute]: true },
      });
      expect(refused.status).toBe(403);
    }
    const foreign = await demo.post('/network/v2.0/networks', {
      network: { name: 'x', project_id: adminProject },
    });
    expect(foreign.status).toBe(400);
    const forDemo = await createNetwork(admin, {
      name: 'made-for-demo',
      project_id: demoProject,
      shared: false,
    });
    expect(forDemo.project_id).toBe(demoProject);
    expect((await demo.get(`/network/v2.0/networks/${forDemo.id}`)).status).toBe(200);

    // A member may put a port on the shared network, owned by its own project.
    const port = await createPort(demo, { network_id: privateNetwork.id, name: 'demo-on-shared' });
    expect(port.status).toBe(201);
    expect(port.body.port.project_id).toBe(demoProject);
    // ...but not choose its address there: that is the network owner's.
    const chosen = await createPort(demo, {
      network_id: privateNetwork.id,
      fixed_ips: [{ ip_address: '10.0.0.200' }],
    });
    expect(chosen.status).toBe(403);
    const adminPorts = (await admin.get(`/network/v2.0/ports?network_id=${privateNetwork.id}`)).body.ports;
    expect(adminPorts.map((p: any) => p.id)).toContain(port.body.port.id);
    // While another project has a port on it, the network cannot stop being shared.
    const sharedByAdmin = await createNetwork(admin, { name: 'shared-by-admin', shared: true });
    await createSubnet(admin, { network_id: sharedByAdmin.id, cidr: '10.52.0.0/24' });
    const demoPort = (await createPort(demo, { network_id: sharedByAdmin.id })).body.port;
    const unshare = await admin.put(`/network/v2.0/networks/${sharedByAdmin.id}`, {
      network: { shared: false },
    });
    expect(unshare.status).toBe(409);
    expect(unshare.body.NeutronError).toMatchObject({
      type: 'InvalidSharedSetting',
      message: `Unable to reconfigure sharing settings for network ${sharedByAdmin.id}. Multiple tenants are using it.`,
    });
    expect((await demo.delete(`/network/v2.0/ports/${demoPort.id}`)).status).toBe(204);
    expect(
      (await admin.put(`/network/v2.0/networks/${sharedByAdmin.id}`, { network: { shared: false } })).status,
    ).toBe(200);
    expect((await demo.get(`/network/v2.0/networks/${sharedByAdmin.id}`)).status).toBe(404);

    // An external network is visible to all but takes no one else's ports.
    const external = await createNetwork(admin, { name: 'public', 'router:external': true });
    expect((await demo.get(`/network/v2.0/networks/${external.id}`)).body.network['router:external']).toBe(
      true,
    );
    const portOnExternal = await createPort(demo, { network_id: external.id });
    expect(portOnExternal.status).toBe(404);

    expect((await demo.delete(`/network/v2.0/ports/${port.body.port.id}`)).status).toBe(204);
  });

  it('creates subnets with Neutron defaults and checks their address plans', async () => {
    const network = await createNetwork(demo, { name: 'subnet-net' });
    const subnet = await createSubnet(demo, {
      network_id: network.id,
      cidr: '192.168.10.0/24',
      name: 'sub-a',
    });
    expect(subnet).toMatchObject({
      name: 'sub-a',
      cidr: '192.168.10.0/24',
      gateway_ip: '192.168.10.1',
      allocation_pools: [{ start: '192.168.10.2', end: '192.168.10.254' }],
      enable_dhcp: true,
      dns_nameservers: [],
      host_routes: [],
      ipv6_ra_mode: null,
      ipv6_address_mode: null,
      revision_number: 0,
      project_id: demoProject,
    });
    const middleGateway = await createSubnet(demo, {
      network_id: network.id,
      cidr: '192.168.20.0/28',
      gateway_ip: '192.168.20.5',
      dns_nameservers: ['8.8.8.8'],
      host_routes: [{ destination: '172.16.0.0/16', nexthop: '192.168.20.9' }],
    });
    expect(middleGateway.allocation_pools).toEqual([
      { start: '192.168.20.1', end: '192.168.20.4' },
      { start: '192.168.20.6', end: '192.168.20.14' },
    ]);
    expect(middleGateway.host_routes).toEqual([{ destination: '172.16.0.0/16', nexthop: '192.168.20.9' }]);
    const v6 = await createSubnet(demo, { network_id: network.id, cidr: 'fd00:1:1:1::/64', ip_version: 6 });
    expect(v6).toMatchObject({
      gateway_ip: 'fd00:1:1:1::1',
      allocation_pools: [{ start: 'fd00:1:1:1::2', end: 'fd00:1:1:1:ffff:ffff:ffff:ffff' }],
    });
    // A port takes one address per IP version; addresses read the same however they were written.
    const dual = await createPort(demo, {
      network_id: network.id,
      fixed_ips: [{ subnet_id: subnet.id }, { ip_address: 'FD00:0001:0001:0001:0001:0000:0001:0001' }],
    });
    expect(dual.body.port.fixed_ips).toEqual([
      { subnet_id: subnet.id, ip_address: '192.168.10.2' },
      { subnet_id: v6.id, ip_address: 'fd00:1:1:1:1:0:1:1' },
    ]);
    expect((await demo.get(`/network/v2.0/ports/${dual.body.port.id}`)).body.port.fixed_ips).toEqual(
      dual.body.port.fixed_ips,
    );
    const auto = (await createPort(demo, { network_id: network.id })).body.port;
    expect(auto.fixed_ips.map((ip: any) => ip.ip_address)).toEqual(['192.168.10.3', 'fd00:1:1:1::2']);
    for (const port of [dual.body.port, auto]) await demo.delete(`/network/v2.0/ports/${port.id}`);

    const expectRefusal = async (subnet: Record<string, unknown>, status: number, message: string) => {
      const res = await demo.post('/network/v2.0/subnets', {
        subnet: { network_id: network.id, ip_version: 4, ...subnet },
      });
      expect(res.status).toBe(status);
      expect(res.body.NeutronError.message).toBe(message);
    };
    await expectRefusal(
      { cidr: '192.168.30.5/24' },
      400,
      "Invalid input for cidr. Reason: '192.168.30.5/24' isn't a recommended CIDR, '192.168.30.0/24' is recommended.",
    );
    await expectRefusal(
      { cidr: '192.168.10.128/25' },
      400,
      `Invalid input for operation: Requested subnet with cidr: 192.168.10.128/25 for network: ${network.id} overlaps with another subnet.`,
    );
    await expectRefusal(
      { cidr: '192.168.40.0/24', allocation_pools: [{ start: '192.168.40.1', end: '192.168.40.20' }] },
      409,
      'Gateway ip 192.168.40.1 conflicts with allocation pool 192.168.40.1-192.168.40.20',
    );
    await expectRefusal(
      { cidr: '192.168.40.0/24', allocation_pools: [{ start: '192.168.40.10', end: '192.168.41.20' }] },
      400,
      'The allocation pool 192.168.40.10-192.168.41.20 spans beyond the subnet cidr 192.168.40.0/24.',
    );
    await expectRefusal(
      { cidr: '192.168.40.0/24', ip_version: 6 },
      400,
      "Invalid input for operation: cidr '192.168.40.0/24' does not match the ip_version '6'.",
    );

    const updated = await demo.put(`/network/v2.0/subnets/${subnet.id}`, {
      subnet: { name: 'sub-renamed', dns_nameservers: ['1.1.1.1', '9.9.9.9'], enable_dhcp: false },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.subnet).toMatchObject({
      name: 'sub-renamed',
      dns_nameservers: ['1.1.1.1', '9.9.9.9'],
      enable_dhcp: false,
      revision_number: 1,
      cidr: '192.168.10.0/24',
    });
    const networkNow = (await demo.get(`/network/v2.0/networks/${network.id}`)).body.network;
    expect(networkNow.subnets).toEqual([subnet.id, middleGateway.id, v6.id]);

    expect((await demo.delete(`/network/v2.0/subnets/${subnet.id}`)).status).toBe(204);
    expect((await demo.get(`/network/v2.0/subnets/${subnet.id}`)).body.NeutronError.type).toBe(
      'SubnetNotFound',
    );
    // Deleting the network takes its remaining subnets with it.
    expect((await demo.delete(`/network/v2.0/networks/${network.id}`)).status).toBe(204);
    expect((await demo.get(`/network/v2.0/subnets/${v6.id}`)).status).toBe(404);
  });

  it('creates ports with a MAC and the lowest free address, or the one asked for', async () => {
    const network = await createNetwork(demo, { name: 'port-net' });
    const subnet = await createSubnet(demo, { network_id: network.id, cidr: '172.20.0.0/24' });

    const first = await createPort(demo, { network_id: network.id, name: 'p1' });
    expect(first.status).toBe(201);
    const port = first.body.port;
    expect(port).toMatchObject({
      name: 'p1',
      network_id: network.id,
      status: 'DOWN',
      admin_state_up: true,
      device_id: '',
      device_owner: '',
      fixed_ips: [{ subnet_id: subnet.id, ip_address: '172.20.0.2' }],
      'binding:vnic_type': 'normal',
      port_security_enabled: true,
      project_id: demoProject,
      tenant_id: demoProject,
      revision_number: 0,
    });
    expect(port.mac_address).toMatch(MAC);
    // Binding details are the admin's to see.
    expect(port['binding:host_id']).toBeUndefined();
    const asAdmin = (await admin.get(`/network/v2.0/ports/${port.id}`)).body.port;
    expect(asAdmin).toMatchObject({
      'binding:host_id': '',
      'binding:vif_type': 'unbound',
      'binding:profile': {},
    });

    const chosen = await createPort(demo, {
      network_id: network.id,
      fixed_ips: [{ subnet_id: subnet.id, ip_address: '172.20.0.50' }],
      mac_address: 'FA:16:3E:00:00:01',
    });
    expect(chosen.status).toBe(201);
    expect(chosen.body.port.fixed_ips).toEqual([{ subnet_id: subnet.id, ip_address: '172.20.0.50' }]);
    expect(chosen.body.port.mac_address).toBe('fa:16:3e:00:00:01');
    const second = await createPort(demo, { network_id: network.id });
    expect(second.body.port.fixed_ips[0].ip_address).toBe('172.20.0.3');

    const taken = await createPort(demo, {
      network_id: network.id,
      fixed_ips: [{ ip_address: '172.20.0.50' }],
    });
    expect(taken.status).toBe(409);
    expect(taken.body.NeutronError).toEqual({
      type: 'IpAddressAlreadyAllocated',
      message: `IP address 172.20.0.50 already allocated in subnet ${subnet.id}`,
      detail: '',
    });
    const gateway = await createPort(demo, {
      network_id: network.id,
      fixed_ips: [{ ip_address: '172.20.0.1' }],
    });
    expect(gateway.status).toBe(409);
    const outside = await createPort(demo, {
      network_id: network.id,
      fixed_ips: [{ subnet_id: subnet.id, ip_address: '172.21.0.9' }],
    });
    expect(outside.status).toBe(400);
    expect(outside.body.NeutronError).toMatchObject({
      type: 'InvalidIpForSubnet',
      message: 'IP address 172.21.0.9 is not a valid IP for the specified subnet.',
    });
    const noSubnet = await createPort(demo, {
      network_id: network.id,
      fixed_ips: [{ ip_address: '172.21.0.9' }],
    });
    expect(noSubnet.status).toBe(400);
    expect(noSubnet.body.NeutronError.type).toBe('InvalidIpForNetwork');
    const sameMac = await createPort(demo, { network_id: network.id, mac_address: 'fa:16:3e:00:00:01' });
    expect(sameMac.status).toBe(409);
    expect(sameMac.body.NeutronError.type).toBe('MacAddressInUse');
    const bindByMember = await createPort(demo, { network_id: network.id, 'binding:host_id': 'compute1' });
    expect(bindByMember.status).toBe(403);
    // A refused request leaves nothing behind.
    const ports = (await demo.get(`/network/v2.0/ports?network_id=${network.id}`)).body.ports;
    expect(ports.map((p: any) => p.fixed_ips[0].ip_address).sort()).toEqual([
      '172.20.0.2',
      '172.20.0.3',
      '172.20.0.50',
    ]);

    const updated = await demo.put(`/network/v2.0/ports/${port.id}`, {
      port: { name: 'p1-renamed', fixed_ips: [{ subnet_id: subnet.id, ip_address: '172.20.0.60' }] },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.port).toMatchObject({
      name: 'p1-renamed',
      fixed_ips: [{ subnet_id: subnet.id, ip_address: '172.20.0.60' }],
      revision_number: 1,
      mac_address: port.mac_address,
    });
    // The address the port gave up is free again: the lowest free one.
    const reused = await createPort(demo, { network_id: network.id });
    expect(reused.body.port.fixed_ips[0].ip_address).toBe('172.20.0.2');

    const bound = await admin.put(`/network/v2.0/ports/${port.id}`, {
      port: { 'binding:host_id': 'compute1', device_id: 'some-server', device_owner: 'compute:nova' },
    });
    expect(bound.body.port).toMatchObject({ 'binding:host_id': 'compute1', 'binding:vif_type': 'ovs' });

    const noIp = await createPort(demo, { network_id: network.id, fixed_ips: [] });
    expect(noIp.body.port.fixed_ips).toEqual([]);
  });

  it('refuses to delete a network with ports (NetworkInUse) or a subnet with addresses (SubnetInUse)', async () => {
    const network = await createNetwork(demo, { name: 'busy-net' });
    const subnet = await createSubnet(demo, { network_id: network.id, cidr: '172.30.0.0/24' });
    const port = (await createPort(demo, { network_id: network.id })).body.port;

    const networkDelete = await demo.delete(`/network/v2.0/networks/${network.id}`);
    expect(networkDelete.status).toBe(409);
    expect(networkDelete.body.NeutronError).toEqual({
      type: 'NetworkInUse',
      message: `Unable to complete operation on network ${network.id}. There are one or more ports still in use on the network.`,
      detail: '',
    });
    const subnetDelete = await demo.delete(`/network/v2.0/subnets/${subnet.id}`);
    expect(subnetDelete.status).toBe(409);
    expect(subnetDelete.body.NeutronError).toEqual({
      type: 'SubnetInUse',
      message: `Unable to complete operation on subnet ${subnet.id}: One or more ports have an IP allocation from this subnet.`,
      detail: '',
    });
    expect((await demo.get(`/network/v2.0/subnets/${subnet.id}`)).status).toBe(200);

    expect((await demo.delete(`/network/v2.0/ports/${port.id}`)).status).toBe(204);
    expect(await stack.query('SELECT * FROM ip_allocations WHERE port_id = $1', [port.id])).toEqual([]);
    expect((await demo.delete(`/network/v2.0/subnets/${subnet.id}`)).status).toBe(204);
    expect((await demo.delete(`/network/v2.0/networks/${network.id}`)).status).toBe(204);
  });

  it('filters lists by attributes and tags, and returns only the fields asked for', async () => {
    const names = ['filter-a', 'filter-b', 'filter-c'];
    const networks = [];
    for (const name of names)
      networks.push(await createNetwork(demo, { name, admin_state_up: name !== 'filter-c' }));
    const tagged = await demo.put(`/network/v2.0/networks/${networks[0].id}/tags`, { tags: ['red', 'blue'] });
    expect(tagged.body).toEqual({ tags: ['red', 'blue'] });
    expect((await demo.put(`/network/v2.0/networks/${networks[1].id}/tags/red`)).status).toBe(201);
    expect((await demo.get(`/network/v2.0/networks/${networks[1].id}/tags/red`)).status).toBe(204);
    expect((await demo.get(`/network/v2.0/networks/${networks[1].id}/tags/blue`)).status).toBe(404);

    const list = async (query: string) =>
      (await demo.get(`/network/v2.0/networks?${query}`)).body.networks.map((n: any) => n.name).sort();
    expect(await list('name=filter-a&name=filter-c')).toEqual(['filter-a', 'filter-c']);
    expect(await list('name=filter-a&name=filter-b&name=filter-c&admin_state_up=false')).toEqual([
      'filter-c',
    ]);
    expect(await list('tags=red')).toEqual(['filter-a', 'filter-b']);
    expect(await list('tags=red,blue')).toEqual(['filter-a']);
    expect(await list('tags-any=blue,green')).toEqual(['filter-a']);
    expect(await list('not-tags=red&name=filter-a&name=filter-b&name=filter-c')).toEqual(['filter-c']);
    expect(await list('shared=true')).toEqual(['private']);
    expect(await list('id=not-a-uuid')).toEqual([]);

    const fields = await demo.get('/network/v2.0/networks?name=filter-b&fields=id&fields=name');
    expect(fields.body.networks).toEqual([{ id: networks[1].id, name: 'filter-b' }]);
    const shownFields = await demo.get(`/network/v2.0/networks/${networks[1].id}?fields=tags`);
    expect(shownFields.body.network).toEqual({ tags: ['red'] });

    const unknown = await demo.get('/network/v2.0/networks?colour=red');
    expect(unknown.status).toBe(400);
    expect(unknown.body.NeutronError.message).toBe("['colour'] is invalid attribute for filtering");
    const badBoolean = await demo.get('/network/v2.0/networks?shared=maybe');
    expect(badBoolean.status).toBe(400);

    const free = await demo.get(`/network/v2.0/ports?fixed_ips=ip_address%3D10.0.0.250`);
    expect(free.status).toBe(200);
    expect(free.body.ports).toEqual([]);
    const port = (await createPort(demo, { network_id: privateNetwork.id, fixed_ips: [] })).body.port;
    expect(port.fixed_ips).toEqual([]);
    const withAddress = (await createPort(admin, { network_id: privateNetwork.id, project_id: demoProject }))
      .body.port;
    const [{ ip_address: address, subnet_id: subnetId }] = withAddress.fixed_ips;
    const byAddress = await demo.get(
      `/network/v2.0/ports?fixed_ips=ip_address%3D${address}&fixed_ips=subnet_id%3D${subnetId}`,
    );
    expect(byAddress.body.ports.map((p: any) => p.id)).toEqual([withAddress.id]);
    const bySubstring = await demo.get(`/network/v2.0/ports?fixed_ips=ip_address_substr%3D${address}`);
    expect(bySubstring.body.ports.map((p: any) => p.id)).toEqual([withAddress.id]);
  });

  it('pages with limit, marker and page_reverse, linking pages as Neutron does', async () => {
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await createNetwork(demo, { name: `page-${i}` }));
    for (const network of created) await demo.put(`/network/v2.0/networks/${network.id}/tags/paging`);

    const path = (href: string) => href.slice(stack.apiUrl.length);
    const seen: string[] = [];
    let next: string | undefined = '/network/v2.0/networks?tags=paging&limit=2';
    let pages = 0;
    let secondPage: any;
    while (next) {
      const page: { status: number; body: any } = await demo.get(next);
      expect(page.status).toBe(200);
      expect(page.body.networks.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.networks.map((n: any) => n.name));
      if (++pages === 2) secondPage = page.body;
      const link: { href: string } | undefined = (page.body.networks_links ?? []).find(
        (l: any) => l.rel === 'next',
      );
      next = link && path(link.href);
    }
    expect(seen).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4']);
    expect(pages).toBe(3);

    const previous = secondPage.networks_links.find((l: any) => l.rel === 'previous');
    expect(previous.href).toContain('page_reverse=True');
    expect(previous.href).toContain(`marker=${created[2].id}`);
    const back = await demo.get(path(previous.href));
    expect(back.body.networks.map((n: any) => n.name)).toEqual(['page-0', 'page-1']);

    const lastTwo = await demo.get('/network/v2.0/networks?tags=paging&limit=2&page_reverse=True');
    expect(lastTwo.body.networks.map((n: any) => n.name)).toEqual(['page-3', 'page-4']);
    const badLimit = await demo.get('/network/v2.0/networks?limit=-1');
    expect(badLimit.status).toBe(400);
  });

  it('gives concurrent port creations on a nearly full subnet distinct addresses, the rest IpAddressGenerationFailure', async () => {
    const network = await createNetwork(admin, { name: 'tiny-net' });
    // A /29: .0 network, .7 broadcast, .1 gateway: five addresses, one taken already.
    const subnet = await createSubnet(admin, { network_id: network.id, cidr: '10.77.0.0/29' });
    expect(subnet.allocation_pools).toEqual([{ start: '10.77.0.2', end: '10.77.0.6' }]);
    expect(
      (await createPort(admin, { network_id: network.id, fixed_ips: [{ ip_address: '10.77.0.4' }] })).status,
    ).toBe(201);

    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => createPort(admin, { network_id: network.id, name: `racer-${i}` })),
    );
    const created = results.filter((res) => res.status === 201);
    const refused = results.filter((res) => res.status !== 201);
    expect(created).toHaveLength(4);
    const addresses = created.map((res) => res.body.port.fixed_ips[0].ip_address).sort();
    expect(addresses).toEqual(['10.77.0.2', '10.77.0.3', '10.77.0.5', '10.77.0.6']);
    expect(refused).toHaveLength(6);
    for (const res of refused) {
      expect(res.status).toBe(409);
      expect(res.body.NeutronError).toEqual({
        type: 'IpAddressGenerationFailure',
        message: `No more IP addresses available on network ${network.id}.`,
        detail: '',
      });
    }
    const rows = await stack.query<{ ip: string }>(
      'SELECT host(ip_address) AS ip FROM ip_allocations WHERE subnet_id = $1 ORDER BY ip_address',
      [subnet.id],
    );
    expect(rows.map((row) => row.ip)).toEqual([
      '10.77.0.2',
      '10.77.0.3',
      '10.77.0.4',
      '10.77.0.5',
      '10.77.0.6',
    ]);
    // The refused creations left no port behind.
    const ports = (await admin.get(`/network/v2.0/ports?network_id=${network.id}`)).body.ports;
    expect(ports).toHaveLength(5);
  });
});
