import { ADMIN, ApiClient, DEMO } from '../support/api-client';
import { ensureOpenstackCli, OpenstackCli } from '../support/openstack-cli';
import { TestStack } from '../support/stack';

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

/** Neutron's quotas API (/v2.0/quotas) over HTTP, and `openstack quota show/set` end to end. */
describe('network quotas', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let demo: ApiClient;
  let demoProject: string;
  let adminProject: string;
  const quotas = '/network/v2.0/quotas';

  beforeAll(async () => {
    stack = await TestStack.start({ conductor: false });
    await stack.waitForApi();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    demo = await ApiClient.login(stack.apiUrl, DEMO);
    const projects = await stack.query<{ id: string; name: string }>('SELECT id, name FROM projects');
    demoProject = projects.find((p) => p.name === 'demo')!.id;
    adminProject = projects.find((p) => p.name === 'admin')!.id;
  });

  afterAll(async () => {
    await stack?.stop();
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
});
