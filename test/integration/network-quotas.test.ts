import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN, ApiClient, DEMO } from '../support/api-client';
import { ensureOpenstackCli, OpenstackCli } from '../support/openstack-cli';
import { bootDefaults, createServer, LATEST, waitForGone, waitForServer } from '../support/servers';
import { TestStack, waitFor } from '../support/stack';

const { cli: cliPath, reason } = ensureOpenstackCli();
const itWithCli = cliPath ? it : it.skip;
if (!cliPath) console.warn(`skipping the openstack CLI network quota tests: ${reason}`);

const DEFAULTS = {
  network: 100,
  subnet: 100,
  port: 500,
  router: 10,
  floatingip: 50,
  security_group: 10,
  security_group_rule: 100,
};

/** Neutron's 409 for a create past a limit. */
const overQuota = (resource: string) => ({
  NeutronError: { type: 'OverQuota', message: `Quota exceeded for resources: ['${resource}'].`, detail: '' },
});

const COLLECTIONS: Record<string, string> = {
  network: 'networks',
  subnet: 'subnets',
  port: 'ports',
  security_group: 'security-groups',
  security_group_rule: 'security-group-rules',
};

/**
 * Neutron's quotas API (/v2.0/quotas) over HTTP, `openstack quota show/set` end to end, and the
 * limits enforced on create (and on the ports a server boot makes).
 */
describe('network quotas', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let demo: ApiClient;
  let demoProject: string;
  let adminProject: string;
  const quotas = '/network/v2.0/quotas';
  // Fault points (common/fault-points.ts): a boot held before its ports are made.
  const pauseDir = mkdtempSync(join(tmpdir(), 'network-quotas-'));

  beforeAll(async () => {
    stack = await TestStack.start({ computeHosts: ['quota1'], env: { NOVAFLOW_PAUSE_DIR: pauseDir } });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    demo = await ApiClient.login(stack.apiUrl, DEMO);
    const projects = await stack.query<{ id: string; name: string }>('SELECT id, name FROM projects');
    demoProject = projects.find((p) => p.name === 'demo')!.id;
    adminProject = projects.find((p) => p.name === 'admin')!.id;
  });

  afterAll(async () => {
    await stack?.stop();
    rmSync(pauseDir, { recursive: true, force: true });
  });

  it("shows Neutron's defaults until a limit is set, and resets on delete", async () => {
    expect((await demo.get(`${quotas}/${demoProject}`)).body).toEqual({ quota: DEFAULTS });
    expect((await demo.get(`${quotas}/${demoProject}/default`)).body).toEqual({ quota: DEFAULTS });
    expect((await admin.get(quotas)).body).toEqual({ quotas: [] });

    const set = await admin.put(`${quotas}/${demoProject}`, { quota: { port: 20, network: -1 } });
    expect(set.status).toBe(200);
    expect(set.body.quota).toEqual({ ...DEFAULTS, port: 20, network: -1 });
    expect((await demo.get(`${quotas}/${demoProject}`)).body.quota.port).toBe(20);
    expect((await demo.get(`${quotas}/${demoProject}/default`)).body.quota.port).toBe(500);
    expect((await admin.get(quotas)).body.quotas).toEqual([
      { ...DEFAULTS, port: 20, network: -1, project_id: demoProject, tenant_id: demoProject },
    ]);

    expect((await admin.delete(`${quotas}/${demoProject}`)).status).toBe(204);
    expect((await demo.get(`${quotas}/${demoProject}`)).body.quota).toEqual(DEFAULTS);
  });

  it('counts usage in details.json', async () => {
    const details = (await demo.get(`${quotas}/${demoProject}/details.json`)).body.quota;
    expect(Object.keys(details).sort()).toEqual(Object.keys(DEFAULTS).sort());
    expect(details.port).toEqual({ limit: 500, used: expect.any(Number), reserved: 0 });
    // Neutron serves it with and without the format suffix.
    expect((await demo.get(`${quotas}/${demoProject}/details`)).body.quota.port).toEqual(details.port);
    expect(details.router).toEqual({ limit: 10, used: 0, reserved: 0 });
    // The default group listing creates it; its four rules count.
    await demo.get('/network/v2.0/security-groups');
    const after = (await demo.get(`${quotas}/${demoProject}/details.json`)).body.quota;
    expect(after.security_group.used).toBeGreaterThanOrEqual(1);
    expect(after.security_group_rule.used).toBeGreaterThanOrEqual(4);
  });

  it('lets only the admin set, reset, list or read another project', async () => {
    expect((await demo.put(`${quotas}/${demoProject}`, { quota: { port: 1 } })).status).toBe(403);
    expect((await demo.delete(`${quotas}/${demoProject}`)).status).toBe(403);
    expect((await demo.get(quotas)).status).toBe(403);
    const other = await demo.get(`${quotas}/${adminProject}`);
    expect(other.status).toBe(403);
    expect(other.body.NeutronError.type).toBe('PolicyNotAuthorized');
    expect((await admin.get(`${quotas}/${demoProject}`)).status).toBe(200);
    expect((await demo.get(`${quotas}/project`)).body).toEqual({ project: { project_id: demoProject } });
  });

  it("refuses bad limits in Neutron's words", async () => {
    const cases: [object, string][] = [
      [{ quota: { bogus: 1 } }, "Unrecognized attribute(s) 'bogus'"],
      [{ quota: { port: 'x' } }, "Invalid input for port. Reason: 'x' is not an integer."],
      [{ quota: { port: -2 } }, "Invalid input for port. Reason: '-2' is too small - must be at least '-1'."],
    ];
    for (const [body, message] of cases) {
      const res = await admin.put(`${quotas}/${demoProject}`, body);
      expect([res.status, res.body.NeutronError?.message]).toEqual([400, message]);
    }
    const force = await admin.put(`${quotas}/${demoProject}`, { quota: { subnet: '7', force: true } });
    expect(force.body.quota.subnet).toBe(7);
    await admin.delete(`${quotas}/${demoProject}`);
  });

  itWithCli('serves openstack quota show and quota set (compute and network)', async () => {
    const cli = new OpenstackCli(cliPath!, stack.apiUrl, stack.workDir);
    await cli.ok('novaflow-admin', ['quota', 'set', '--instances', '20', '--ports', '100', 'demo']);
    const shown = await cli.json('novaflow-admin', ['quota', 'show', 'demo']);
    expect(shown.instances).toBe(20);
    expect(shown.ports).toBe(100);
    expect(shown.networks).toBe(100);
    expect(shown['secgroup-rules']).toBe(100);
    expect((await demo.get(`${quotas}/${demoProject}`)).body.quota.port).toBe(100);
    const own = await cli.json('novaflow-demo', ['quota', 'show']);
    expect(own.ports).toBe(100);
    expect(own.instances).toBe(20);
    const defaults = await cli.json('novaflow-admin', ['quota', 'show', '--default', 'demo']);
    expect(defaults.ports).toBe(500);
  });
  describe('enforcement', () => {
    let networkId: string;
    let groupId: string;
    let serial = 0;

    /** A create of `resource` by `client` in `project`, each one distinct (names, CIDRs, ports). */
    const create = (resource: string, client = demo, project?: string) => {
      const n = ++serial;
      const owner = project ? { project_id: project } : {};
      const bodies: Record<string, object> = {
        network: { network: { name: `q-net-${n}`, ...owner } },
        subnet: {
          subnet: { network_id: networkId, cidr: `10.${100 + (n >> 8)}.${n & 255}.0/24`, ip_version: 4 },
        },
        port: { port: { network_id: networkId, ...owner } },
        security_group: { security_group: { name: `q-sg-${n}`, ...owner } },
        security_group_rule: {
          security_group_rule: {
            security_group_id: groupId,
            direction: 'ingress',
            protocol: 'tcp',
            port_range_min: n,
            port_range_max: n,
          },
        },
      };
      return client.post(`/network/v2.0/${COLLECTIONS[resource]}`, bodies[resource]);
    };

    /** How many of `resource` the project has, as a listing shows them. */
    const count = async (resource: string, project = demoProject) => {
      const res = await admin.get(`/network/v2.0/${COLLECTIONS[resource]}?project_id=${project}&fields=id`);
      return Object.values(res.body as Record<string, unknown[]>)[0].length;
    };

    const used = async (resource: string, project = demoProject) =>
      (await admin.get(`${quotas}/${project}/details`)).body.quota[resource].used as number;

    const limit = async (project: string, quota: Record<string, number>) => {
      const res = await admin.put(`${quotas}/${project}`, { quota });
      expect(res.status).toBe(200);
    };

    const newProject = async (name: string) =>
      (await admin.post('/identity/v3/projects', { project: { name } })).body.project.id as string;

    beforeAll(async () => {
      networkId = (await create('network')).body.network.id;
      groupId = (await create('security_group')).body.security_group.id;
    });

    afterEach(async () => {
      await admin.delete(`${quotas}/${demoProject}`);
    });

    it.each(Object.keys(COLLECTIONS))(
      "refuses a %s past the limit with Neutron's OverQuota, creates nothing, and -1 is unlimited",
      async (resource) => {
        const before = await count(resource);
        expect(await used(resource)).toBe(before);
        await limit(demoProject, { [resource]: before });
        const refused = await create(resource);
        expect([refused.status, refused.body]).toEqual([409, overQuota(resource)]);
        expect(await count(resource)).toBe(before);

        await limit(demoProject, { [resource]: before + 1 });
        expect((await create(resource)).status).toBe(201);
        expect((await create(resource)).body).toEqual(overQuota(resource));
        expect(await count(resource)).toBe(before + 1);

        await limit(demoProject, { [resource]: -1 });
        expect((await create(resource)).status).toBe(201);
        expect(await count(resource)).toBe(before + 2);
      },
    );

    it.each(['network', 'port', 'security_group', 'security_group_rule'])(
      'lets only one of two concurrent %s creates take the last slot',
      async (resource) => {
        for (let round = 0; round < 3; round++) {
          const before = await count(resource);
          await limit(demoProject, { [resource]: before + 1 });
          const pair = await Promise.all([create(resource), create(resource)]);
          expect(pair.map((res) => res.status).sort()).toEqual([201, 409]);
          expect(pair.find((res) => res.status === 409)!.body).toEqual(overQuota(resource));
          expect(await count(resource)).toBe(before + 1);
        }
      },
    );

    it('refuses a group whose two egress rules would pass the rule quota, and makes no group', async () => {
      const groups = await count('security_group');
      await limit(demoProject, { security_group_rule: (await count('security_group_rule')) + 1 });
      const refused = await create('security_group');
      expect([refused.status, refused.body]).toEqual([409, overQuota('security_group_rule')]);
      expect(await count('security_group')).toBe(groups);
    });

    it('refuses with check_limit a limit below what the project uses, and sets it without', async () => {
      expect((await create('port')).status).toBe(201);
      const ports = await count('port');
      const checked = await admin.put(`${quotas}/${demoProject}`, {
        quota: { port: ports - 1, check_limit: true },
      });
      expect([checked.status, checked.body.NeutronError]).toEqual([
        400,
        {
          type: 'HTTPBadRequest',
          message: `Quota limit ${ports - 1} for port must be greater than or equal to already used ${ports}`,
          detail: '',
        },
      ]);
      expect((await admin.get(`${quotas}/${demoProject}`)).body.quota.port).toBe(500);
      const fits = await admin.put(`${quotas}/${demoProject}`, { quota: { port: ports, check_limit: true } });
      expect(fits.body.quota.port).toBe(ports);
      const forced = await admin.put(`${quotas}/${demoProject}`, { quota: { port: ports - 1 } });
      expect(forced.body.quota.port).toBe(ports - 1);
    });

    it("counts each project's own resources", async () => {
      const other = await newProject('quota-other');
      await limit(other, { network: 1 });
      expect((await create('network', admin, other)).status).toBe(201);
      expect((await create('network', admin, other)).body).toEqual(overQuota('network'));
      // The admin creating there is held to that project's limit; demo's own are untouched.
      expect(await count('network', other)).toBe(1);
      expect((await create('network')).status).toBe(201);
      await admin.delete(`${quotas}/${other}`);
    });

    it("makes a project's default group whatever its security_group quota, as Neutron does", async () => {
      // None allowed: the first port still joins a new default group; a group of the user's is refused.
      const none = await newProject('quota-no-groups');
      await limit(none, { security_group: 0 });
      const net = (await create('network', admin, none)).body.network.id;
      const port = await admin.post('/network/v2.0/ports', { port: { network_id: net, project_id: none } });
      expect(port.status).toBe(201);
      const [defaultId] = port.body.port.security_groups;
      const group = (await admin.get(`/network/v2.0/security-groups/${defaultId}`)).body.security_group;
      expect([group.name, group.project_id, group.security_group_rules.length]).toEqual(['default', none, 4]);
      expect((await create('security_group', admin, none)).body).toEqual(overQuota('security_group'));

      // One allowed in a fresh project: Neutron counts before it makes the default, so both exist.
      const one = await newProject('quota-one-group');
      await limit(one, { security_group: 1 });
      expect((await create('security_group', admin, one)).status).toBe(201);
      expect(await count('security_group', one)).toBe(2);
      expect((await create('security_group', admin, one)).body).toEqual(overQuota('security_group'));

      // The default group's four rules are held to the rule quota, as Neutron's are.
      const few = await newProject('quota-few-rules');
      await limit(few, { security_group_rule: 3 });
      const fewNet = (await create('network', admin, few)).body.network.id;
      const refused = await admin.post('/network/v2.0/ports', {
        port: { network_id: fewNet, project_id: few },
      });
      expect([refused.status, refused.body]).toEqual([409, overQuota('security_group_rule')]);
      expect([await count('port', few), await count('security_group', few)]).toEqual([0, 0]);
      for (const project of [none, one, few]) await admin.delete(`${quotas}/${project}`);
    });

    describe('server boot', () => {
      let imageId: string;
      let privateNetwork: string;
      const bootOnPrivate = (name: string, counts: Record<string, unknown> = {}) =>
        createServer(demo, { name, imageRef: imageId, networks: [{ uuid: privateNetwork }], ...counts });

      beforeAll(async () => {
        ({ imageId, networkId: privateNetwork } = await bootDefaults(demo));
      });

      it("refuses at the API, as Nova's validate_networks does, a boot the port quota cannot take", async () => {
        // One port of the project's own, so that a limit below usage is possible.
        expect((await create('port')).status).toBe(201);
        const ports = await count('port');
        const servers = (await demo.get('/compute/v2.1/servers')).body.servers.length;

        await limit(demoProject, { port: ports });
        const full = await bootOnPrivate('no-port-left');
        expect([full.status, full.body]).toEqual([
          403,
          { forbidden: { code: 403, message: 'Maximum number of ports exceeded' } },
        ]);
        await limit(demoProject, { port: ports - 1 });
        const over = await bootOnPrivate('over-limit');
        expect([over.status, over.body.forbidden?.message]).toEqual([
          403,
          `The number of defined ports: ${ports} is over the limit: ${ports - 1}`,
        ]);
        // The refused boots made no server and no port.
        expect((await demo.get('/compute/v2.1/servers')).body.servers.length).toBe(servers);
        expect(await count('port')).toBe(ports);

        // max_count is cut to what the free ports allow.
        await limit(demoProject, { port: ports + 2 });
        const cut = await bootOnPrivate('cut', { min_count: 1, max_count: 4, return_reservation_id: true });
        expect(cut.status).toBe(202);
        const booted = (
          await demo.get(`/compute/v2.1/servers?reservation_id=${cut.body.reservation_id}`, LATEST)
        ).body.servers;
        expect(booted).toHaveLength(2);
        const settled = await Promise.all(booted.map((s: { id: string }) => waitForServer(demo, s.id)));
        expect(settled.map((s) => s.status)).toEqual(['ACTIVE', 'ACTIVE']);
        expect(await count('port')).toBe(ports + 2);
        await Promise.all(settled.map((s) => demo.delete(`/compute/v2.1/servers/${s.id}`)));
        await Promise.all(settled.map((s) => waitForGone(demo, s.id)));
      });

      it("puts a boot whose port Neutron refuses at build time in ERROR with Nova's fault", async () => {
        const ports = await count('port');
        await limit(demoProject, { port: ports + 1 });
        // The boot is held before its ports are made, and the last port is taken meanwhile.
        const point = join(pauseDir, 'create.prepareBuild.before');
        writeFileSync(`${point}.armed`, '');
        const accepted = await bootOnPrivate('late-port');
        expect(accepted.status).toBe(202);
        await waitFor(async () => existsSync(`${point}.reached`), 60_000, 'the boot to reach its ports');
        expect((await create('port')).status).toBe(201);
        writeFileSync(`${point}.release`, '');
        const server = await waitForServer(demo, accepted.body.server.id, 120_000);
        expect(server.status).toBe('ERROR');
        expect(server.fault.message).toBe(
          `Build of instance ${server.id} aborted: Failed to allocate the network(s), not rescheduling.`,
        );
        expect(await count('port')).toBe(ports + 1);
        expect(await stack.query('SELECT id FROM ports WHERE device_id = $1', [server.id])).toEqual([]);
        await demo.delete(`/compute/v2.1/servers/${server.id}`);
        await waitForGone(demo, server.id);
      });
    });
  });
});
