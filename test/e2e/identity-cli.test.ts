import { ensureOpenstackCli, OpenstackCli } from '../support/openstack-cli';
import { TestStack } from '../support/stack';

const { cli, reason } = ensureOpenstackCli();
const describeWithCli = cli ? describe : describe.skip;
if (!cli) console.warn(`skipping the openstack CLI tests: ${reason}`);

/** The real `openstack` CLI (python-openstackclient) against Novaflow: identity and flavors. */
describeWithCli('openstack CLI: identity, catalog and flavors', () => {
  let stack: TestStack;
  let openstack: OpenstackCli;

  beforeAll(async () => {
    stack = await TestStack.start({ conductor: false });
    await stack.waitForApi();
    openstack = new OpenstackCli(cli!, stack.apiUrl, stack.workDir);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('issues a token', async () => {
    const token = await openstack.json('novaflow-demo', ['token', 'issue']);
    expect(Object.keys(token).sort()).toEqual(['expires', 'id', 'project_id', 'user_id']);
    expect(token.id).toMatch(/^[\w-]{43}$/);
  });

  it('lists the catalog with compute, identity, image, network and volume', async () => {
    const catalog = await openstack.json('novaflow-admin', ['catalog', 'list']);
    expect(catalog.map((entry: any) => entry.Type).sort()).toEqual([
      'compute',
      'identity',
      'image',
      'network',
      'volume',
    ]);
    const compute = catalog.find((entry: any) => entry.Type === 'compute');
    expect(compute.Endpoints).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ interface: 'public', url: `${stack.apiUrl}/compute/v2.1` }),
      ]),
    );
  });

  it('lists projects, creates a user and grants it a role', async () => {
    const projects = await openstack.json('novaflow-admin', ['project', 'list']);
    expect(projects.map((p: any) => p.Name).sort()).toEqual(['admin', 'demo', 'service']);
    const user = await openstack.json('novaflow-admin', [
      'user',
      'create',
      '--domain',
      'default',
      '--project',
      'demo',
      '--password',
      'alice-pw',
      'alice',
    ]);
    expect(user).toMatchObject({ name: 'alice', domain_id: 'default', enabled: true });
    await openstack.ok('novaflow-admin', ['role', 'add', '--project', 'demo', '--user', 'alice', 'member']);
    const assignments = await openstack.json('novaflow-admin', [
      'role',
      'assignment',
      'list',
      '--user',
      'alice',
      '--names',
    ]);
    expect(assignments).toEqual([
      expect.objectContaining({ Role: 'member', User: 'alice@Default', Project: 'demo@Default' }),
    ]);
    const asAlice = await openstack.run('novaflow-demo', ['token', 'issue', '-f', 'json'], {
      OS_USERNAME: 'alice',
      OS_PASSWORD: 'alice-pw',
    });
    expect(asAlice.code).toBe(0);
  });

  it('lists, creates and deletes flavors', async () => {
    const flavors = await openstack.json('novaflow-demo', ['flavor', 'list']);
    expect(flavors.map((f: any) => f.Name)).toEqual([
      'm1.tiny',
      'm1.small',
      'm1.medium',
      'm1.large',
      'm1.xlarge',
    ]);
    const created = await openstack.json('novaflow-admin', [
      'flavor',
      'create',
      '--vcpus',
      '2',
      '--ram',
      '1024',
      '--disk',
      '10',
      'c2.small',
    ]);
    expect(created).toMatchObject({ name: 'c2.small', vcpus: 2, ram: 1024, disk: 10 });
    await openstack.ok('novaflow-admin', ['flavor', 'delete', 'c2.small']);
    const denied = await openstack.run('novaflow-demo', [
      'flavor',
      'create',
      '--vcpus',
      '1',
      '--ram',
      '64',
      '--disk',
      '1',
      'nope',
    ]);
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toContain('403');
    expect(denied.stderr).toContain(
      "Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed.",
    );
  });

  it('fails to authenticate with a wrong password', async () => {
    const result = await openstack.run('novaflow-demo', ['token', 'issue'], { OS_PASSWORD: 'wrong' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('The request you have made requires authentication. (HTTP 401)');
  });
});
