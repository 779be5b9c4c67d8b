import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PowerState } from '../../common/power-state';
import { ADMIN, ApiClient, DEMO } from '../support/api-client';
import { bootDefaults, createServer, LATEST, waitForGone, waitForServer } from '../support/servers';
import { TestStack, waitFor } from '../support/stack';

const HOSTS = ['iso-1', 'iso-2'];
const at = (version: string) => ({ 'OpenStack-API-Version': `compute ${version}` });

/**
 * Tenant isolation, end to end through the real stack: a member of another project tries every
 * verb on demo's resources and gets each service's own 404 or 403; markers from another project
 * answer as nonexistent ones; a port's device_id never makes it another project's server's port;
 * and a port deleted or re-addressed under a running server reaches the server's view and its host.
 */
describe('tenant isolation', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let demo: ApiClient;
  let other: ApiClient;
  let demoProject: string;
  let demoUser: string;
  let otherProject: string;
  let imageId: string;
  let sharedNetworkId: string;

  /** demo's resources, one of each kind. */
  const mine: Record<string, any> = {};

  /** The fake hypervisor's guests on `host`, as it keeps them (fake-guests.json). */
  const guestsOn = (host: string): Record<string, any> => {
    try {
      return JSON.parse(readFileSync(join(stack.workDir, 'instances', host, 'fake-guests.json'), 'utf8'));
    } catch {
      return {};
    }
  };
  /** A guest's interfaces on `host` (default: the host that has it): port id → its addresses. */
  const hostInterfaces = (uuid: string, host?: string): Record<string, string[]> => {
    const guest = host ? guestsOn(host)[uuid] : HOSTS.map((h) => guestsOn(h)[uuid]).find(Boolean);
    return Object.fromEntries((guest?.interfaces ?? []).map((nic: any) => [nic.portId, nic.fixedIps]));
  };
  /** Waits until the host shows `expected` for the guest (the fake writes its guests within milliseconds). */
  const hostShows = (uuid: string, expected: Record<string, string[]>, host?: string) =>
    waitFor(
      async () => JSON.stringify(hostInterfaces(uuid, host)) === JSON.stringify(expected),
      30_000,
      `${host ?? 'the host'} to show ${JSON.stringify(expected)} for ${uuid}`,
    );
  const boot = async (client: ApiClient, name: string, networks: unknown) => {
    const res = await createServer(client, { name, imageRef: imageId, networks });
    expect(res.status).toBe(202);
    const server = await waitForServer(client, res.body.server.id);
    expect(server.status).toBe('ACTIVE');
    return server;
  };
  const portsOf = async (serverId: string) =>
    (await demo.get(`/network/v2.0/ports?device_id=${serverId}`)).body.ports;

  const expectNova = (res: { status: number; body: any }, status: 404 | 403 | 400, what: string) => {
    const key = { 404: 'itemNotFound', 403: 'forbidden', 400: 'badRequest' }[status];
    expect({ what, status: res.status, code: res.body?.[key]?.code }).toEqual({ what, status, code: status });
  };
  const expectNeutron = (
    res: { status: number; body: any },
    status: 404 | 403,
    type: string,
    what: string,
  ) => {
    expect({ what, status: res.status, type: res.body?.NeutronError?.type }).toEqual({ what, status, type });
  };

  beforeAll(async () => {
    stack = await TestStack.start({
      computeHosts: HOSTS,
      config: '[conductor]\nreconcile_interval = 2\n',
    });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    demo = await ApiClient.login(stack.apiUrl, DEMO);
    const projects = await stack.query<{ id: string; name: string }>('SELECT id, name FROM projects');
    demoProject = projects.find((p) => p.name === 'demo')!.id;

    // Another project with a member of its own, as Tempest's dynamic credentials make them.
    const project = await admin.post('/identity/v3/projects', { project: { name: 'iso-other' } });
    otherProject = project.body.project.id;
    const user = await admin.post('/identity/v3/users', {
      user: { name: 'iso-user', password: 'iso-pw', default_project_id: otherProject },
    });
    const member = (await admin.get('/identity/v3/roles?name=member')).body.roles[0].id;
    const grant = `/identity/v3/projects/${otherProject}/users/${user.body.user.id}/roles/${member}`;
    expect((await admin.put(grant)).status).toBe(204);
    other = await ApiClient.login(stack.apiUrl, {
      username: 'iso-user',
      password: 'iso-pw',
      project: 'iso-other',
    });

    ({ imageId, networkId: sharedNetworkId } = await bootDefaults(demo));

    // demo's network, subnet, security group and rule.
    mine.network = (await demo.post('/network/v2.0/networks', { network: { name: 'iso-net' } })).body.network;
    mine.subnet = (
      await demo.post('/network/v2.0/subnets', {
        subnet: { network_id: mine.network.id, ip_version: 4, cidr: '192.168.50.0/24' },
      })
    ).body.subnet;
    mine.port = (await demo.post('/network/v2.0/ports', { port: { network_id: mine.network.id } })).body.port;
    mine.group = (
      await demo.post('/network/v2.0/security-groups', { security_group: { name: 'iso-sg' } })
    ).body.security_group;
    mine.rule = (
      await demo.post('/network/v2.0/security-group-rules', {
        security_group_rule: { security_group_id: mine.group.id, direction: 'ingress', protocol: 'tcp' },
      })
    ).body.security_group_rule;
    expect((await demo.put(`/network/v2.0/networks/${mine.network.id}/tags/blue`)).status).toBe(201);

    // demo's server (with metadata and a tag), key pair, server group; a flavor only demo may use.
    mine.server = await boot(demo, 'iso-server', [{ uuid: sharedNetworkId }]);
    expect(
      (await demo.put(`/compute/v2.1/servers/${mine.server.id}/metadata/k`, { meta: { k: 'v' } })).status,
    ).toBe(200);
    expect(
      (await demo.put(`/compute/v2.1/servers/${mine.server.id}/tags/t1`, undefined, LATEST)).status,
    ).toBe(201);
    const keypair = await demo.post('/compute/v2.1/os-keypairs', { keypair: { name: 'iso-key' } });
    expect(keypair.status).toBe(200);
    demoUser = keypair.body.keypair.user_id;
    mine.group2 = (
      await demo.post('/compute/v2.1/os-server-groups', {
        server_group: { name: 'iso-group', policies: ['anti-affinity'] },
      })
    ).body.server_group;
    mine.flavor = (
      await admin.post('/compute/v2.1/flavors', {
        flavor: { name: 'iso-private', ram: 64, vcpus: 1, disk: 1, 'os-flavor-access:is_public': false },
      })
    ).body.flavor;
    expect(
      (
        await admin.post(`/compute/v2.1/flavors/${mine.flavor.id}/action`, {
          addTenantAccess: { tenant: demoProject },
        })
      ).status,
    ).toBe(200);
    mine.image = (
      await demo.post('/image/v2/images', {
        name: 'iso-image',
        visibility: 'private',
        disk_format: 'raw',
        container_format: 'bare',
      })
    ).body;
    expect(mine.image.id).toBeDefined();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it("answers every verb on another project's server and its sub-resources with Nova's 404", async () => {
    const id = mine.server.id;
    const s = `/compute/v2.1/servers/${id}`;
    const [port] = await portsOf(id);
    const [action] = (await demo.get(`${s}/os-instance-actions`)).body.instanceActions;
    const tries: [string, string, unknown?][] = [
      ['GET', s],
      ['PUT', s, { server: { name: 'stolen' } }],
      ['DELETE', s],
      ['GET', `${s}/metadata`],
      ['GET', `${s}/metadata/k`],
      ['PUT', `${s}/metadata/k`, { meta: { k: 'x' } }],
      ['POST', `${s}/metadata`, { metadata: { a: 'b' } }],
      ['PUT', `${s}/metadata`, { metadata: { a: 'b' } }],
      ['DELETE', `${s}/metadata/k`],
      ['GET', `${s}/tags`],
      ['GET', `${s}/tags/t1`],
      ['PUT', `${s}/tags/t2`],
      ['PUT', `${s}/tags`, { tags: ['x'] }],
      ['DELETE', `${s}/tags/t1`],
      ['DELETE', `${s}/tags`],
      ['GET', `${s}/ips`],
      ['GET', `${s}/ips/private`],
      ['GET', `${s}/os-interface`],
      ['GET', `${s}/os-interface/${port.id}`],
      ['GET', `${s}/os-instance-actions`],
      ['GET', `${s}/os-instance-actions/${action.request_id}`],
      ['GET', `${s}/os-security-groups`],
      // Nova finds the server before it checks the (admin) policy.
      ['GET', `${s}/migrations`],
      ...[
        { 'os-stop': null },
        { 'os-start': null },
        { reboot: { type: 'SOFT' } },
        { pause: null },
        { suspend: null },
        { lock: null },
        { resize: { flavorRef: '1' } },
        { rebuild: { imageRef: imageId } },
        { 'os-getConsoleOutput': {} },
        { addSecurityGroup: { name: 'default' } },
      ].map((body): [string, string, unknown] => ['POST', `${s}/action`, body]),
    ];
    for (const [method, path, body] of tries) {
      const res = await other.request(method, path, { body, headers: LATEST });
      expectNova(res, 404, `${method} ${path} ${JSON.stringify(body ?? '')}`);
    }
    // Admin-only routes stay 403 whoever owns the server.
    expectNova(await other.get('/compute/v2.1/os-migrations', LATEST), 403, 'os-migrations');
    // Not listed, even when asking for all projects (a member may not).
    const listed = (await other.get('/compute/v2.1/servers/detail', LATEST)).body.servers;
    expect(listed.map((server: any) => server.id)).not.toContain(id);
    expectNova(await other.get('/compute/v2.1/servers?all_tenants=1', LATEST), 403, 'all_tenants');
    // The server is untouched.
    const server = (await demo.get(s, LATEST)).body.server;
    expect(server).toMatchObject({
      name: 'iso-server',
      status: 'ACTIVE',
      metadata: { k: 'v' },
      tags: ['t1'],
    });
  });

  it("answers as a nonexistent marker for another project's server, flavor, key pair and image", async () => {
    const cases: [string, string, string][] = [
      ['/compute/v2.1/servers', mine.server.id, randomUUID()],
      ['/compute/v2.1/servers/detail', mine.server.id, randomUUID()],
      ['/compute/v2.1/flavors', mine.flavor.id, 'no-such-flavor'],
      ['/compute/v2.1/flavors/detail', mine.flavor.id, 'no-such-flavor'],
      ['/compute/v2.1/os-keypairs', 'iso-key', 'no-such-key'],
      ['/image/v2/images', mine.image.id, randomUUID()],
    ];
    for (const [path, theirs, none] of cases) {
      const probed = await other.get(`${path}?marker=${theirs}`, at('2.35'));
      const missing = await other.get(`${path}?marker=${none}`, at('2.35'));
      expect({ path, status: probed.status }).toEqual({ path, status: 400 });
      expect(probed.text.replaceAll(theirs, 'X')).toEqual(missing.text.replaceAll(none, 'X'));
      // And demo itself pages from it.
      expect((await demo.get(`${path}?marker=${theirs}`, at('2.35'))).status).toBe(200);
    }
  });

  it("hides another project's flavor, key pair, server group and quotas in Nova's words", async () => {
    const flavor = `/compute/v2.1/flavors/${mine.flavor.id}`;
    expectNova(await other.get(flavor), 404, 'private flavor');
    expectNova(await other.get(`${flavor}/os-extra_specs`), 404, 'private flavor extra specs');
    const flavors = (await other.get('/compute/v2.1/flavors')).body.flavors;
    expect(flavors.map((f: any) => f.id)).not.toContain(mine.flavor.id);
    expect((await demo.get(flavor)).status).toBe(200);
    // Booting with it is as with an unknown flavor.
    const withFlavor = await createServer(other, { name: 'x', imageRef: imageId, flavorRef: mine.flavor.id });
    expectNova(withFlavor, 400, 'boot with private flavor');

    // Key pairs are the user's: another user's name is unknown, and naming its user is refused.
    expectNova(await other.get('/compute/v2.1/os-keypairs/iso-key'), 404, 'keypair show');
    expectNova(await other.delete('/compute/v2.1/os-keypairs/iso-key'), 404, 'keypair delete');
    for (const [method, path] of [
      ['GET', `/compute/v2.1/os-keypairs?user_id=${demoUser}`],
      ['GET', `/compute/v2.1/os-keypairs/iso-key?user_id=${demoUser}`],
      ['DELETE', `/compute/v2.1/os-keypairs/iso-key?user_id=${demoUser}`],
    ]) {
      expectNova(await other.request(method, path, { headers: at('2.10') }), 403, `${method} ${path}`);
    }
    const boot = await createServer(other, { name: 'x', imageRef: imageId, key_name: 'iso-key' });
    expectNova(boot, 400, 'boot with another user key');
    expect((await demo.get('/compute/v2.1/os-keypairs/iso-key')).status).toBe(200);

    const group = `/compute/v2.1/os-server-groups/${mine.group2.id}`;
    expectNova(await other.get(group), 404, 'server group show');
    expectNova(await other.delete(group), 404, 'server group delete');
    const groups = (await other.get('/compute/v2.1/os-server-groups')).body.server_groups;
    expect(groups.map((g: any) => g.id)).not.toContain(mine.group2.id);
    // A boot into it is refused as into a group that does not exist.
    const inGroup = await createServer(other, { name: 'x', imageRef: imageId }, { group: mine.group2.id });
    expectNova(inGroup, 400, 'boot into their group');
    expect(inGroup.body.badRequest.message).toBe(`Invalid server group ${mine.group2.id}.`);

    expectNova(await other.get(`/compute/v2.1/os-quota-sets/${demoProject}`), 403, 'quota show');
    expectNova(
      await other.get(`/compute/v2.1/os-quota-sets/${demoProject}/detail`, at('2.1')),
      403,
      'quota detail',
    );
    expectNova(
      await other.put(`/compute/v2.1/os-quota-sets/${demoProject}`, { quota_set: { instances: 1 } }),
      403,
      'quota update',
    );
    expectNova(await other.get(`/compute/v2.1/limits?tenant_id=${demoProject}`), 403, 'limits of demo');
    expect((await demo.get(`/compute/v2.1/os-quota-sets/${demoProject}`)).status).toBe(200);
  });

  it("hides another project's image, its data, tags and members (Glance's 404)", async () => {
    const url = `/image/v2/images/${mine.image.id}`;
    const tries: [string, string, unknown?, Record<string, string>?][] = [
      ['GET', url],
      [
        'PATCH',
        url,
        [{ op: 'replace', path: '/name', value: 'x' }],
        { 'content-type': 'application/openstack-images-v2.1-json-patch' },
      ],
      ['DELETE', url],
      ['GET', `${url}/file`],
      ['PUT', `${url}/tags/x`],
      ['DELETE', `${url}/tags/x`],
      ['GET', `${url}/members`],
      ['POST', `${url}/members`, { member: otherProject }],
      ['GET', `${url}/members/${otherProject}`],
      ['PUT', `${url}/members/${otherProject}`, { status: 'accepted' }],
      ['DELETE', `${url}/members/${otherProject}`],
    ];
    for (const [method, path, body, headers] of tries) {
      const res = await other.request(method, path, { body, headers });
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
    }
    const upload = await other.request('PUT', `${url}/file`, {
      rawBody: Buffer.from('x'),
      headers: { 'content-type': 'application/octet-stream' },
    });
    expect(upload.status).toBe(404);
    expect((await other.get('/image/v2/images')).body.images.map((i: any) => i.id)).not.toContain(
      mine.image.id,
    );
    // A server of another project cannot boot from it.
    const boot = await createServer(other, { name: 'x', imageRef: mine.image.id });
    expectNova(boot, 400, 'boot from private image');
    expect((await demo.get(url)).body.name).toBe('iso-image');
  });

  it("answers every verb on another project's network resources with Neutron's 404", async () => {
    const resources: [string, string, string, Record<string, unknown>][] = [
      ['networks', mine.network.id, 'NetworkNotFound', { network: { name: 'x' } }],
      ['subnets', mine.subnet.id, 'SubnetNotFound', { subnet: { name: 'x' } }],
      ['ports', mine.port.id, 'PortNotFound', { port: { name: 'x' } }],
      ['security-groups', mine.group.id, 'SecurityGroupNotFound', { security_group: { name: 'x' } }],
      ['security-group-rules', mine.rule.id, 'SecurityGroupRuleNotFound', {}],
    ];
    for (const [collection, id, type, update] of resources) {
      const url = `/network/v2.0/${collection}/${id}`;
      expectNeutron(await other.get(url), 404, type, `GET ${url}`);
      if (collection !== 'security-group-rules')
        expectNeutron(await other.put(url, update), 404, type, `PUT ${url}`);
      expectNeutron(await other.delete(url), 404, type, `DELETE ${url}`);
      const listed = (await other.get(`/network/v2.0/${collection}`)).body[collection.replaceAll('-', '_')];
      expect(listed.map((r: any) => r.id)).not.toContain(id);
      // A marker of another project's row pages as one that names no row at all.
      const probed = await other.get(`/network/v2.0/${collection}?limit=1&marker=${id}`);
      const missing = await other.get(`/network/v2.0/${collection}?limit=1&marker=${randomUUID()}`);
      expect({ collection, status: probed.status, body: probed.body }).toEqual({
        collection,
        status: missing.status,
        body: missing.body,
      });
      expect((await demo.get(url)).status).toBe(200);
    }
    for (const [collection, id, type] of resources.slice(0, 3)) {
      const tags = `/network/v2.0/${collection}/${id}/tags`;
      for (const [method, path] of [
        ['GET', tags],
        ['GET', `${tags}/blue`],
        ['PUT', `${tags}/red`],
        ['PUT', tags],
        ['DELETE', `${tags}/blue`],
        ['DELETE', tags],
      ]) {
        const body = method === 'PUT' && path === tags ? { tags: ['x'] } : undefined;
        expectNeutron(await other.request(method, path, { body }), 404, type, `${method} ${path}`);
      }
    }
    // Nothing goes onto it either.
    expectNeutron(
      await other.post('/network/v2.0/ports', { port: { network_id: mine.network.id } }),
      404,
      'NetworkNotFound',
      'port on it',
    );
    expectNeutron(
      await other.post('/network/v2.0/subnets', {
        subnet: { network_id: mine.network.id, ip_version: 4, cidr: '10.9.0.0/24' },
      }),
      404,
      'NetworkNotFound',
      'subnet on it',
    );
    expectNeutron(
      await other.post('/network/v2.0/security-group-rules', {
        security_group_rule: { security_group_id: mine.group.id, direction: 'ingress' },
      }),
      404,
      'SecurityGroupNotFound',
      'rule into it',
    );
    // Nor into its security group: a port of its own in it, a server in it, the group added to one.
    const inGroup = await other.post('/network/v2.0/ports', {
      port: { network_id: sharedNetworkId, security_groups: [mine.group.id] },
    });
    expectNeutron(inGroup, 404, 'SecurityGroupNotFound', 'port in their group');
    const serverInGroup = await createServer(other, {
      name: 'x',
      imageRef: imageId,
      networks: [{ uuid: sharedNetworkId }],
      security_groups: [{ name: mine.group.id }],
    });
    expectNova(serverInGroup, 400, 'server in their group');
    expect(serverInGroup.body.badRequest.message).toBe(
      `Unable to find security_group with name or id '${mine.group.id}'`,
    );
    const quota = await other.get(`/network/v2.0/quotas/${demoProject}`);
    expect(quota.status).toBe(403);
    expect((await demo.get(`/network/v2.0/networks/${mine.network.id}/tags`)).body.tags).toEqual(['blue']);

    // A server of another project cannot be put on demo's network or demo's port.
    const onNetwork = await createServer(other, {
      name: 'x',
      imageRef: imageId,
      networks: [{ uuid: mine.network.id }],
    });
    expectNova(onNetwork, 400, 'boot on their network');
    expect(onNetwork.body.badRequest.message).toBe(`Network ${mine.network.id} could not be found.`);
    const onPort = await createServer(other, {
      name: 'x',
      imageRef: imageId,
      networks: [{ port: mine.port.id }],
    });
    expectNova(onPort, 400, 'boot on their port');
    expect(onPort.body.badRequest.message).toBe(`Port id ${mine.port.id} could not be found.`);
  });

  it("never takes a tenant's port naming another project's server in device_id for that server's", async () => {
    const victim = await boot(demo, 'iso-victim', [{ uuid: sharedNetworkId }]);
    const [own] = await portsOf(victim.id);
    const ownIp = own.fixed_ips[0].ip_address;
    // Neutron lets a port's owner write device_id and device_owner.
    const spoof = await other.post('/network/v2.0/ports', {
      port: { network_id: sharedNetworkId, device_id: victim.id, device_owner: 'compute:nova' },
    });
    expect(spoof.status).toBe(201);
    const spoofIp = spoof.body.port.fixed_ips[0].ip_address;

    const server = (await demo.get(`/compute/v2.1/servers/${victim.id}`, LATEST)).body.server;
    expect(server.addresses).toEqual({
      private: [expect.objectContaining({ addr: ownIp, 'OS-EXT-IPS-MAC:mac_addr': own.mac_address })],
    });
    expect((await demo.get(`/compute/v2.1/servers/${victim.id}/ips`)).body.addresses).toEqual({
      private: [{ version: 4, addr: ownIp }],
    });
    const interfaces = (await demo.get(`/compute/v2.1/servers/${victim.id}/os-interface`)).body;
    expect(interfaces.interfaceAttachments.map((i: any) => i.port_id)).toEqual([own.id]);
    expect(
      (await demo.get(`/compute/v2.1/servers/${victim.id}/os-interface/${spoof.body.port.id}`)).status,
    ).toBe(404);
    const byIp = (await admin.get(`/compute/v2.1/servers?all_tenants=1&ip=${spoofIp}`, LATEST)).body.servers;
    expect(byIp.map((s: any) => s.id)).not.toContain(victim.id);
    await hostShows(victim.id, { [own.id]: [ownIp] });

    // The victim's delete frees only its own port; the spoofing port stays as its owner left it.
    expect((await demo.delete(`/compute/v2.1/servers/${victim.id}`)).status).toBe(204);
    await waitForGone(demo, victim.id);
    expect((await demo.get(`/network/v2.0/ports/${own.id}`)).status).toBe(404);
    const kept = await other.get(`/network/v2.0/ports/${spoof.body.port.id}`);
    expect(kept.status).toBe(200);
    expect(kept.body.port).toMatchObject({ device_id: victim.id, fixed_ips: [{ ip_address: spoofIp }] });
  });

  it("re-addresses and unplugs a running server's interface when its port changes, on the host too", async () => {
    const server = await boot(demo, 'iso-moving', [{ uuid: mine.network.id }]);
    const [port] = await portsOf(server.id);
    const address = (id: string) =>
      demo.get(`/compute/v2.1/servers/${id}`, LATEST).then((r) => r.body.server);
    await hostShows(server.id, { [port.id]: [port.fixed_ips[0].ip_address] });

    // network-changed: the view at once, the host once the event has reached it.
    const moved = await demo.put(`/network/v2.0/ports/${port.id}`, {
      port: { fixed_ips: [{ subnet_id: mine.subnet.id, ip_address: '192.168.50.77' }] },
    });
    expect(moved.status).toBe(200);
    expect((await address(server.id)).addresses['iso-net'].map((a: any) => a.addr)).toEqual([
      '192.168.50.77',
    ]);
    await waitFor(
      async () => hostInterfaces(server.id)[port.id]?.[0] === '192.168.50.77',
      30_000,
      'the host to see the new address',
    );
    const [attachment] = (await demo.get(`/compute/v2.1/servers/${server.id}/os-interface`)).body
      .interfaceAttachments;
    expect(attachment.fixed_ips).toEqual([{ subnet_id: mine.subnet.id, ip_address: '192.168.50.77' }]);

    // network-vif-deleted: Neutron lets the owner delete a server's port.
    expect((await demo.delete(`/network/v2.0/ports/${port.id}`)).status).toBe(204);
    const after = await address(server.id);
    expect(after.addresses).toEqual({});
    expect(after.status).toBe('ACTIVE');
    expect(
      (await demo.get(`/compute/v2.1/servers/${server.id}/os-interface`)).body.interfaceAttachments,
    ).toEqual([]);
    await waitFor(
      async () => Object.keys(hostInterfaces(server.id)).length === 0,
      30_000,
      'the host to unplug it',
    );
    expect(HOSTS.some((host) => guestsOn(host)[server.id])).toBe(true);
  });

  it('tells both sides of a resize waiting for confirmation, and the revert brings no deleted port back', async () => {
    const server = await boot(demo, 'iso-resize', [{ uuid: mine.network.id }]);
    const [port] = await portsOf(server.id);
    const hostOf = async () => (await admin.get(`/compute/v2.1/servers/${server.id}`, LATEST)).body.server;
    const source = (await hostOf())['OS-EXT-SRV-ATTR:host'];
    const resize = await demo.post(
      `/compute/v2.1/servers/${server.id}/action`,
      { resize: { flavorRef: '2' } },
      LATEST,
    );
    expect(resize.status).toBe(202);
    await waitFor(async () => (await hostOf()).status === 'VERIFY_RESIZE', 60_000, 'VERIFY_RESIZE');
    const dest = (await hostOf())['OS-EXT-SRV-ATTR:host'];
    expect(dest).not.toBe(source);
    const plugged = { [port.id]: [port.fixed_ips[0].ip_address] };
    await hostShows(server.id, plugged, source);
    await hostShows(server.id, plugged, dest);

    expect((await demo.delete(`/network/v2.0/ports/${port.id}`)).status).toBe(204);
    await waitFor(
      async () =>
        Object.keys(hostInterfaces(server.id, source)).length === 0 &&
        Object.keys(hostInterfaces(server.id, dest)).length === 0,
      30_000,
      'both sides to unplug it',
    );
    const reverted = await demo.post(
      `/compute/v2.1/servers/${server.id}/action`,
      { revertResize: null },
      LATEST,
    );
    expect(reverted.status).toBe(202);
    await waitFor(async () => (await hostOf()).status === 'ACTIVE', 60_000, 'the revert');
    expect((await hostOf())['OS-EXT-SRV-ATTR:host']).toBe(source);
    // Once the source runs its copy again (and the destination's is gone), it has no interface.
    await waitFor(
      async () =>
        guestsOn(source)[server.id]?.powerState === PowerState.RUNNING && !guestsOn(dest)[server.id],
      30_000,
      'the reverted guest on the source',
    );
    expect(hostInterfaces(server.id, source)).toEqual({});
  });

  it('delivers a port deletion to the host even when the API dies right after committing it', async () => {
    const server = await boot(demo, 'iso-crash', [{ uuid: mine.network.id }]);
    const [port] = await portsOf(server.id);
    await hostShows(server.id, { [port.id]: [port.fixed_ips[0].ip_address] });

    await stack.restart('api', { env: { NOVAFLOW_CRASH_AT: 'api-before-workflow-start' } });
    await stack.waitForApi();
    const crashing = await ApiClient.login(stack.apiUrl, DEMO);
    const answered = await crashing.delete(`/network/v2.0/ports/${port.id}`).then(
      () => 'answered',
      () => 'dropped',
    );
    expect(answered).toBe('dropped');
    expect(await stack.query('SELECT id FROM ports WHERE id = $1', [port.id])).toEqual([]);
    const queued = await stack.query<{ workflow_type: string }>('SELECT workflow_type FROM workflow_outbox');
    expect(queued.map((row) => row.workflow_type)).toContain('serverEventsWorkflow');

    await stack.restart('api', { env: { NOVAFLOW_CRASH_AT: undefined } });
    await stack.waitForApi();
    demo = await ApiClient.login(stack.apiUrl, DEMO);
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    other = await ApiClient.login(stack.apiUrl, {
      username: 'iso-user',
      password: 'iso-pw',
      project: 'iso-other',
    });
    // The reconciler starts what the outbox holds.
    await waitFor(
      async () => Object.keys(hostInterfaces(server.id)).length === 0,
      60_000,
      'the host to unplug it',
    );
    await waitFor(
      async () => (await stack.query('SELECT 1 FROM workflow_outbox')).length === 0,
      30_000,
      'the outbox to empty',
    );
  });

  it('takes os-server-external-events from an admin only, answering each event as Nova', async () => {
    const server = await boot(demo, 'iso-events', [{ uuid: mine.network.id }]);
    const [port] = await portsOf(server.id);
    const unknown = randomUUID();
    const events = {
      events: [
        { name: 'network-changed', server_uuid: server.id, tag: port.id },
        { name: 'network-vif-plugged', server_uuid: unknown, tag: port.id, status: 'completed' },
      ],
    };
    const refused = await demo.post('/compute/v2.1/os-server-external-events', events);
    expectNova(refused, 403, 'member');
    expect(refused.body.forbidden.message).toBe(
      "Policy doesn't allow os_compute_api:os-server-external-events:create to be performed.",
    );
    const res = await admin.post('/compute/v2.1/os-server-external-events', events);
    expect(res.status).toBe(207);
    expect(res.body.events).toEqual([
      { name: 'network-changed', server_uuid: server.id, tag: port.id, status: 'completed', code: 200 },
      { name: 'network-vif-plugged', server_uuid: unknown, tag: port.id, status: 'failed', code: 404 },
    ]);
    const ok = await admin.post('/compute/v2.1/os-server-external-events', {
      events: [{ name: 'network-vif-deleted', server_uuid: server.id, tag: port.id }],
    });
    expect(ok.status).toBe(200);
    expect(ok.body.events).toEqual([
      { name: 'network-vif-deleted', server_uuid: server.id, tag: port.id, status: 'completed', code: 200 },
    ]);
    // A server that was never placed (no host fits its flavor's disk) has no host to tell: 422.
    const huge = await admin.post('/compute/v2.1/flavors', {
      flavor: { name: 'iso-huge-disk', ram: 64, vcpus: 1, disk: 1_000_000 },
    });
    const unplaced = await createServer(demo, {
      name: 'iso-nowhere',
      imageRef: imageId,
      flavorRef: huge.body.flavor.id,
    });
    expect(unplaced.status).toBe(202);
    const failed = await waitForServer(demo, unplaced.body.server.id);
    expect(failed.status).toBe('ERROR');
    const nowhere = await admin.post('/compute/v2.1/os-server-external-events', {
      events: [{ name: 'network-changed', server_uuid: failed.id }],
    });
    expect(nowhere.status).toBe(207);
    expect(nowhere.body.events).toEqual([
      { name: 'network-changed', server_uuid: failed.id, status: 'failed', code: 422 },
    ]);
    // power-update came with 2.76, and needs a tag.
    expectNova(
      await admin.post('/compute/v2.1/os-server-external-events', {
        events: [{ name: 'power-update', server_uuid: server.id }],
      }),
      400,
      'power-update at 2.1',
    );
    const untagged = await admin.post(
      '/compute/v2.1/os-server-external-events',
      { events: [{ name: 'power-update', server_uuid: server.id }] },
      at('2.76'),
    );
    expect(untagged.status).toBe(207);
    expect(untagged.body.events[0]).toMatchObject({ status: 'failed', code: 400 });
  });
});
