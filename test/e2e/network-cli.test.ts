import { ensureOpenstackCli, OpenstackCli } from '../support/openstack-cli';
import { TestStack } from '../support/stack';

const { cli: cliPath, reason } = ensureOpenstackCli();
const describeWithCli = cliPath ? describe : describe.skip;
if (!cliPath) console.warn(`skipping the openstack CLI tests: ${reason}`);

/** The real `openstack` CLI (python-openstackclient over openstacksdk) against the network API. */
describeWithCli('openstack network, subnet and port commands', () => {
  let stack: TestStack;
  let cli: OpenstackCli;

  beforeAll(async () => {
    stack = await TestStack.start({ conductor: false });
    await stack.waitForApi();
    cli = new OpenstackCli(cliPath!, stack.apiUrl, stack.workDir);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('lists and shows the seeded shared network to the demo project', async () => {
    const networks = await cli.json('novaflow-demo', ['network', 'list']);
    const privateNetwork = networks.find((network: any) => network.Name === 'private');
    expect(privateNetwork).toEqual({
      ID: expect.any(String),
      Name: 'private',
      Subnets: [expect.any(String)],
    });

    const shown = await cli.json('novaflow-demo', ['network', 'show', 'private']);
    expect(shown).toMatchObject({
      id: privateNetwork.ID,
      name: 'private',
      shared: true,
      status: 'ACTIVE',
      mtu: 1500,
      subnets: privateNetwork.Subnets,
      admin_state_up: true,
      'router:external': false,
    });
    // The table form, as a user reads it: Neutron's states in words.
    const table = await cli.ok('novaflow-demo', ['network', 'show', 'private']);
    expect(table).toMatch(/\| admin_state_up\s+\| UP\s+\|/);
    expect(table).toMatch(/\| router:external\s+\| Internal\s+\|/);

    const subnets = await cli.json('novaflow-demo', ['subnet', 'list', '--network', 'private']);
    expect(subnets).toEqual([
      {
        ID: privateNetwork.Subnets[0],
        Name: 'private-subnet',
        Network: privateNetwork.ID,
        Subnet: '10.0.0.0/24',
      },
    ]);
  });

  it('creates a network, a subnet and a port with a fixed IP, lists them and deletes them in order', async () => {
    const network = await cli.json('novaflow-demo', ['network', 'create', 'cli-net']);
    expect(network).toMatchObject({ name: 'cli-net', status: 'ACTIVE', shared: false, subnets: [] });

    const subnet = await cli.json('novaflow-demo', [
      'subnet',
      'create',
      'cli-subnet',
      '--network',
      'cli-net',
      '--subnet-range',
      '192.168.77.0/24',
    ]);
    expect(subnet).toMatchObject({
      name: 'cli-subnet',
      network_id: network.id,
      cidr: '192.168.77.0/24',
      gateway_ip: '192.168.77.1',
      ip_version: 4,
      enable_dhcp: true,
      allocation_pools: [{ start: '192.168.77.2', end: '192.168.77.254' }],
    });

    const port = await cli.json('novaflow-demo', [
      'port',
      'create',
      'cli-port',
      '--network',
      'cli-net',
      '--fixed-ip',
      'subnet=cli-subnet,ip-address=192.168.77.10',
    ]);
    expect(port).toMatchObject({
      name: 'cli-port',
      network_id: network.id,
      status: 'DOWN',
      fixed_ips: [{ subnet_id: subnet.id, ip_address: '192.168.77.10' }],
    });
    expect(port.mac_address).toMatch(/^fa:16:3e(:[0-9a-f]{2}){3}$/);

    const ports = await cli.json('novaflow-demo', ['port', 'list', '--network', 'cli-net']);
    expect(ports).toEqual([
      {
        ID: port.id,
        Name: 'cli-port',
        'MAC Address': port.mac_address,
        'Fixed IP Addresses': [{ subnet_id: subnet.id, ip_address: '192.168.77.10' }],
        Status: 'DOWN',
      },
    ]);
    const table = await cli.ok('novaflow-demo', ['port', 'list']);
    expect(table).toContain(`ip_address='192.168.77.10', subnet_id='${subnet.id}'`);

    // A network with a port on it cannot go: the CLI shows Neutron's reason.
    const busy = await cli.run('novaflow-demo', ['network', 'delete', 'cli-net']);
    expect(busy.code).not.toBe(0);
    expect(busy.stderr).toContain(
      `Unable to complete operation on network ${network.id}. There are one or more ports still in use on the network.`,
    );

    expect(await cli.ok('novaflow-demo', ['port', 'delete', 'cli-port'])).toBe('');
    expect(await cli.ok('novaflow-demo', ['subnet', 'delete', 'cli-subnet'])).toBe('');
    expect(await cli.ok('novaflow-demo', ['network', 'delete', 'cli-net'])).toBe('');
    const gone = await cli.run('novaflow-demo', ['network', 'show', 'cli-net']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('No Network found for cli-net');
  });

  it("shows Neutron's refusals: another project's shared network, an address in use", async () => {
    const refused = await cli.run('novaflow-demo', ['network', 'delete', 'private']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('(rule:network:write) is disallowed by policy');

    await cli.json('novaflow-admin', [
      'port',
      'create',
      'taken',
      '--network',
      'private',
      '--fixed-ip',
      'ip-address=10.0.0.99',
    ]);
    const again = await cli.run('novaflow-admin', [
      'port',
      'create',
      'again',
      '--network',
      'private',
      '--fixed-ip',
      'ip-address=10.0.0.99',
    ]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('IP address 10.0.0.99 already allocated in subnet');
    const shown = await cli.json('novaflow-admin', ['port', 'show', 'taken']);
    expect(shown).toMatchObject({ binding_host_id: '', fixed_ips: [{ ip_address: '10.0.0.99' }] });
  });
});
