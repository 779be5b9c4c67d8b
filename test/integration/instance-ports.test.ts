import { randomUUID } from 'node:crypto';
import { type DataSource } from 'typeorm';
import { ApiError } from '../../apps/api/common/api-error';
import {
  allocatePortsForInstance,
  bindInstancePorts,
  instanceAddresses,
  releaseInstancePorts,
  validateRequestedNetworks,
} from '../../common/network';
import { createNetwork } from '../../common/network/networks';
import { createPort } from '../../common/network/ports';
import { createSubnet } from '../../common/network/subnets';
import { createDataSource } from '../../entities/data-source';
import { TestStack } from '../support/stack';

/**
 * What the compute conductor calls when it boots and deletes servers, against the real database:
 * validating a request's networks, allocating (idempotently), binding and releasing ports, and
 * the servers' addresses.
 */
describe('ports for instances', () => {
  let stack: TestStack;
  let db: DataSource;
  let adminProject: string;
  let demoProject: string;
  let privateNetwork: { id: string; subnetId: string };

  const MAC = /^fa:16:3e(:[0-9a-f]{2}){3}$/;
  const novaError = (status: number, message: string) => expect.objectContaining({ status, message });
  const portsOf = (instanceUuid: string) =>
    stack.query<{ id: string; device_owner: string; preserve_on_delete: boolean; status: string }>(
      'SELECT * FROM ports WHERE device_id = $1 ORDER BY created_at',
      [instanceUuid],
    );
  const allocate = (instanceUuid: string, requested: Parameters<typeof validateRequestedNetworks>[2]) =>
    allocatePortsForInstance(db.manager, {
      instanceUuid,
      projectId: demoProject,
      availabilityZone: 'nova',
      requested,
    });
  const userPort = async (networkId: string, fixedIps?: { ipAddress: string }[]) =>
    (await createPort(db.manager, { networkId, projectId: demoProject, name: 'user-port', fixedIps })).port;

  beforeAll(async () => {
    stack = await TestStack.start({ api: false, conductor: false });
    db = await createDataSource(stack.databaseUrl, { poolSize: 4 }).initialize();
    const projects = await stack.query<{ id: string; name: string }>('SELECT id, name FROM projects');
    adminProject = projects.find((p) => p.name === 'admin')!.id;
    demoProject = projects.find((p) => p.name === 'demo')!.id;
    const [seeded] = await stack.query<{ id: string; subnet_id: string }>(
      `SELECT n.id, s.id AS subnet_id FROM networks n JOIN subnets s ON s.network_id = n.id WHERE n.name = 'private'`,
    );
    privateNetwork = { id: seeded.id, subnetId: seeded.subnet_id };
  });

  afterAll(async () => {
    await db?.destroy();
    await stack?.stop();
  });

  it("validates a server's requested networks with Nova's statuses and messages", async () => {
    await expect(validateRequestedNetworks(db.manager, demoProject, 'none')).resolves.toBeUndefined();
    // The seeded shared network is the only one demo may use: 'auto' picks it.
    await expect(validateRequestedNetworks(db.manager, demoProject, 'auto')).resolves.toBeUndefined();
    await expect(
      validateRequestedNetworks(db.manager, demoProject, [{ networkId: privateNetwork.id }]),
    ).resolves.toBeUndefined();

    const unknown = randomUUID();
    await expect(
      validateRequestedNetworks(db.manager, demoProject, [{ networkId: unknown }]),
    ).rejects.toEqual(novaError(400, `Network ${unknown} could not be found.`));
    await expect(
      validateRequestedNetworks(db.manager, demoProject, [{ networkId: 'nonsense' }]),
    ).rejects.toEqual(novaError(400, 'Network nonsense could not be found.'));
    const adminOnly = await createNetwork(db.manager, { projectId: adminProject, name: 'admin-only' });
    await expect(
      validateRequestedNetworks(db.manager, demoProject, [{ networkId: adminOnly.id }]),
    ).rejects.toEqual(novaError(400, `Network ${adminOnly.id} could not be found.`));
    const noPort = randomUUID();
    const missing = validateRequestedNetworks(db.manager, demoProject, [{ portId: noPort }]);
    await expect(missing).rejects.toBeInstanceOf(ApiError);
    await expect(missing).rejects.toEqual(novaError(400, `Port id ${noPort} could not be found.`));

    const inUse = (
      await createPort(db.manager, { networkId: privateNetwork.id, projectId: demoProject, deviceId: 'vm' })
    ).port;
    await expect(validateRequestedNetworks(db.manager, demoProject, [{ portId: inUse.id }])).rejects.toEqual(
      novaError(409, `Port ${inUse.id} is still in use.`),
    );
    const holder = await userPort(privateNetwork.id, [{ ipAddress: '10.0.0.200' }]);
    expect(holder.id).toBeDefined();
    for (const taken of ['10.0.0.200', '10.0.0.1']) {
      await expect(
        validateRequestedNetworks(db.manager, demoProject, [
          { networkId: privateNetwork.id, fixedIp: taken },
        ]),
      ).rejects.toEqual(novaError(400, `Fixed IP address ${taken} is already in use.`));
    }
    await expect(
      validateRequestedNetworks(db.manager, demoProject, [
        { networkId: privateNetwork.id, fixedIp: '10.0.0.201' },
      ]),
    ).resolves.toBeUndefined();

    await createNetwork(db.manager, { projectId: demoProject, name: 'demo-own' });
    await expect(validateRequestedNetworks(db.manager, demoProject, 'auto')).rejects.toEqual(
      novaError(409, 'Multiple possible networks found, use a Network ID to be more specific.'),
    );
  });

  it('allocates the ports of an instance once, however often and concurrently it is called', async () => {
    const instance = randomUUID();
    const [port] = await allocate(instance, [{ networkId: privateNetwork.id }]);
    expect(port).toEqual({
      id: expect.any(String),
      networkId: privateNetwork.id,
      networkName: 'private',
      macAddress: expect.stringMatching(MAC),
      fixedIps: [
        {
          subnetId: privateNetwork.subnetId,
          ipAddress: expect.stringMatching(/^10\.0\.0\.\d+$/),
          version: 4,
        },
      ],
      // The default group's rules (server-security-groups.test.ts checks what they hold).
      firewallRules: expect.any(Array),
    });
    const rows = await portsOf(instance);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: port.id,
      device_owner: 'compute:nova',
      preserve_on_delete: false,
      status: 'DOWN',
      project_id: demoProject,
    });

    expect(await allocate(instance, [{ networkId: privateNetwork.id }])).toEqual([port]);
    expect(await portsOf(instance)).toHaveLength(1);

    const racing = randomUUID();
    const results = await Promise.all(
      [1, 2, 3].map(() => allocate(racing, [{ networkId: privateNetwork.id }])),
    );
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    expect(await portsOf(racing)).toHaveLength(1);
    const allocations = await stack.query('SELECT * FROM ip_allocations WHERE port_id = $1', [
      results[0][0].id,
    ]);
    expect(allocations).toHaveLength(1);

    expect(await allocate(randomUUID(), 'none')).toEqual([]);
  });

  it('keeps the order of the requested networks, on the first call and on a retry', async () => {
    const second = await createNetwork(db.manager, { projectId: demoProject, name: 'second' });
    const subnet = await createSubnet(db.manager, {
      networkId: second.id,
      projectId: demoProject,
      cidr: '192.168.5.0/24',
    });
    const passed = await userPort(second.id);
    const instance = randomUUID();
    const requested = [
      { networkId: second.id, fixedIp: '192.168.5.77' },
      { portId: passed.id },
      { networkId: privateNetwork.id },
    ];
    const first = await allocate(instance, requested);
    expect(first.map((port) => port.networkName)).toEqual(['second', 'second', 'private']);
    expect(first[0].fixedIps).toEqual([{ subnetId: subnet.id, ipAddress: '192.168.5.77', version: 4 }]);
    expect(first[1].id).toBe(passed.id);
    expect(await allocate(instance, requested)).toEqual(first);
  });

  it('leaves nothing behind when a later port of the instance fails', async () => {
    // A /30 has one address for hosts besides its gateway: taken, the network is full.
    const full = await createNetwork(db.manager, { projectId: demoProject, name: 'full' });
    await createSubnet(db.manager, { networkId: full.id, projectId: demoProject, cidr: '192.168.9.0/30' });
    await userPort(full.id);
    const instance = randomUUID();
    const before = await stack.query('SELECT port_id, host(ip_address) FROM ip_allocations ORDER BY 1, 2');

    const failed = allocate(instance, [{ networkId: privateNetwork.id }, { networkId: full.id }]);
    await expect(failed).rejects.toEqual(
      expect.objectContaining({
        status: 409,
        message: `No more IP addresses available on network ${full.id}.`,
      }),
    );
    expect(await portsOf(instance)).toEqual([]);
    expect(await stack.query('SELECT port_id, host(ip_address) FROM ip_allocations ORDER BY 1, 2')).toEqual(
      before,
    );
  });

  it("binds the instance's ports and gives its addresses as Nova shows them", async () => {
    const instance = randomUUID();
    const other = randomUUID();
    const [port] = await allocate(instance, [{ networkId: privateNetwork.id }]);
    await allocate(other, 'none');

    await bindInstancePorts(db.manager, instance, 'compute-7');
    await bindInstancePorts(db.manager, instance, 'compute-7');
    const [bound] = await stack.query<any>('SELECT * FROM ports WHERE id = $1', [port.id]);
    expect(bound).toMatchObject({ binding_host_id: 'compute-7', status: 'ACTIVE', revision_number: 1 });

    const addresses = await instanceAddresses(db.manager, [instance, other]);
    expect(addresses).toEqual({
      [instance]: {
        private: [
          {
            version: 4,
            addr: port.fixedIps[0].ipAddress,
            'OS-EXT-IPS:type': 'fixed',
            'OS-EXT-IPS-MAC:mac_addr': port.macAddress,
          },
        ],
      },
      [other]: {},
    });
  });

  it('releases: deletes the ports it created, only unbinds the ports the user passed in, and may run twice', async () => {
    const passed = await userPort(privateNetwork.id);
    const instance = randomUUID();
    const [created, claimed] = await allocate(instance, [
      { networkId: privateNetwork.id },
      { portId: passed.id },
    ]);
    expect(claimed.id).toBe(passed.id);
    await bindInstancePorts(db.manager, instance, 'compute-1');
    const ports = await portsOf(instance);
    expect(ports.map((p) => [p.id, p.preserve_on_delete])).toEqual([
      [passed.id, true],
      [created.id, false],
    ]);

    await releaseInstancePorts(db.manager, instance);
    expect(await portsOf(instance)).toEqual([]);
    expect(await stack.query('SELECT * FROM ports WHERE id = $1', [created.id])).toEqual([]);
    expect(await stack.query('SELECT * FROM ip_allocations WHERE port_id = $1', [created.id])).toEqual([]);
    const [kept] = await stack.query<any>('SELECT * FROM ports WHERE id = $1', [passed.id]);
    expect(kept).toMatchObject({ device_id: '', device_owner: '', binding_host_id: '', status: 'DOWN' });
    const keptAddresses = await stack.query<{ ip: string }>(
      'SELECT host(ip_address) AS ip FROM ip_allocations WHERE port_id = $1',
      [passed.id],
    );
    expect(keptAddresses.map((row) => row.ip)).toEqual([claimed.fixedIps[0].ipAddress]);

    await expect(releaseInstancePorts(db.manager, instance)).resolves.toBeUndefined();
    // The user's port is free for the next server.
    await expect(
      validateRequestedNetworks(db.manager, demoProject, [{ portId: passed.id }]),
    ).resolves.toBeUndefined();
  });
  it('takes no port whose device_id a tenant pointed at the instance: not at allocation, nor for its addresses, nor at release', async () => {
    const instance = randomUUID();
    // Another project's port, naming the instance before the compute service has bound anything.
    const spoof = (
      await createPort(db.manager, {
        networkId: privateNetwork.id,
        projectId: adminProject,
        deviceId: instance,
        deviceOwner: 'compute:nova',
      })
    ).port;
    const [own] = await allocate(instance, [{ networkId: privateNetwork.id }]);
    expect(own.id).not.toBe(spoof.id);
    expect(await allocate(instance, [{ networkId: privateNetwork.id }])).toEqual([own]);
    const [binding] = await stack.query<{ instance_uuid: string | null }>(
      'SELECT instance_uuid FROM ports WHERE id = $1',
      [spoof.id],
    );
    expect(binding.instance_uuid).toBeNull();

    await bindInstancePorts(db.manager, instance, 'compute-3');
    const addresses = (await instanceAddresses(db.manager, [instance]))[instance];
    expect(addresses.private.map((address) => address.addr)).toEqual([own.fixedIps[0].ipAddress]);

    await releaseInstancePorts(db.manager, instance);
    const [kept] = await stack.query<any>('SELECT * FROM ports WHERE id = $1', [spoof.id]);
    expect(kept).toMatchObject({ device_id: instance, device_owner: 'compute:nova', binding_host_id: '' });
    expect(await stack.query('SELECT * FROM ports WHERE id = $1', [own.id])).toEqual([]);
  });
});
