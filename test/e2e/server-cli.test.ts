import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureOpenstackCli, OpenstackCli } from '../support/openstack-cli';
import { TestStack } from '../support/stack';

const { cli, reason } = ensureOpenstackCli();
const describeWithCli = cli ? describe : describe.skip;
if (!cli) console.warn(`skipping the openstack CLI tests: ${reason}`);

/** The scenario with the real `openstack` CLI: image, network, boot, show, events, delete. */
describeWithCli('openstack CLI: boot and delete a server', () => {
  let stack: TestStack;
  let openstack: OpenstackCli;

  beforeAll(async () => {
    stack = await TestStack.start({ computeHosts: ['e2e-1', 'e2e-2'] });
    await stack.waitHealthy();
    openstack = new OpenstackCli(cli!, stack.apiUrl, stack.workDir);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('creates an image from a file, boots a server on it, shows it and its events, and deletes it', async () => {
    const file = join(stack.workDir, 'disk.img');
    writeFileSync(file, Buffer.alloc(2 * 1024 * 1024, 7));
    const image = await openstack.json('novaflow-demo', [
      'image',
      'create',
      '--file',
      file,
      '--disk-format',
      'raw',
      '--container-format',
      'bare',
      'my-image',
    ]);
    // The CLI prints the image as it was before the upload; `image show` has the result.
    expect(image.name).toBe('my-image');
    const uploaded = await openstack.json('novaflow-demo', ['image', 'show', 'my-image']);
    expect(uploaded).toMatchObject({ status: 'active', size: 2 * 1024 * 1024 });

    const networks = await openstack.json('novaflow-demo', ['network', 'list']);
    expect(networks.map((n: any) => n.Name)).toContain('private');

    const server = await openstack.json('novaflow-demo', [
      'server',
      'create',
      '--wait',
      '--image',
      'my-image',
      '--flavor',
      'm1.tiny',
      '--network',
      'private',
      'cli-vm',
    ]);
    expect(server).toMatchObject({ name: 'cli-vm', status: 'ACTIVE' });

    const listed = await openstack.json('novaflow-demo', ['server', 'list']);
    expect(listed).toEqual([
      expect.objectContaining({ Name: 'cli-vm', Status: 'ACTIVE', Image: 'my-image', Flavor: 'm1.tiny' }),
    ]);
    expect(listed[0].Networks).toMatchObject({ private: [expect.stringMatching(/^10\.0\.0\.\d+$/)] });

    const shown = await openstack.json('novaflow-demo', ['server', 'show', 'cli-vm']);
    expect(shown).toMatchObject({ id: server.id, status: 'ACTIVE', 'OS-EXT-STS:vm_state': 'active' });

    const events = await openstack.json('novaflow-demo', ['server', 'event', 'list', 'cli-vm']);
    expect(events).toEqual([expect.objectContaining({ Action: 'create', 'Server ID': server.id })]);

    await openstack.ok('novaflow-demo', ['server', 'delete', '--wait', 'cli-vm']);
    expect(await openstack.json('novaflow-demo', ['server', 'list'])).toEqual([]);
  });
});
