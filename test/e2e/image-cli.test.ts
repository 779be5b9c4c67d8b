import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildQcow2 } from '../../apps/api/image/qcow2';
import { ensureOpenstackCli, OpenstackCli } from '../support/openstack-cli';
import { TestStack } from '../support/stack';

const digest = (algorithm: string, data: Buffer) => createHash(algorithm).update(data).digest('hex');
const VIRTUAL_SIZE = 64 * 1024 * 1024;

const found = ensureOpenstackCli();
const describeWithCli = found.cli ? describe : describe.skip;
if (!found.cli) console.warn(`skipping the openstack CLI tests: ${found.reason}`);

/** The real `openstack` CLI (python-openstackclient on openstacksdk) driving the image API. */
describeWithCli('openstack image commands', () => {
  let stack: TestStack;
  let cli: OpenstackCli;

  beforeAll(async () => {
    stack = await TestStack.start({ conductor: false });
    await stack.waitForApi();
    cli = new OpenstackCli(found.cli!, stack.apiUrl, stack.workDir);
  });

  afterAll(async () => {
    await stack?.stop();
    if (stack) rmSync(join(stack.workDir, 'images'), { recursive: true, force: true });
  });

  it('creates from a file, lists, shows, sets, saves and deletes an image', async () => {
    const file = join(stack.workDir, 'disk.qcow2');
    const data = buildQcow2(VIRTUAL_SIZE, randomBytes(200 * 1024));
    writeFileSync(file, data);

    const created = await cli.json('novaflow-demo', [
      'image',
      'create',
      '--file',
      file,
      '--disk-format',
      'qcow2',
      '--container-format',
      'bare',
      '--property',
      'os_distro=novaflow',
      'cli-image',
    ]);
    // The CLI prints the image as the create call returned it, before the upload: queued, no size.
    expect(created).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'cli-image',
      disk_format: 'qcow2',
      container_format: 'bare',
      visibility: 'shared',
      status: 'queued',
      properties: expect.objectContaining({ os_distro: 'novaflow' }),
    });

    const listed = await cli.json('novaflow-demo', ['image', 'list']);
    expect(listed).toEqual(
      expect.arrayContaining([
        { ID: created.id, Name: 'cli-image', Status: 'active' },
        expect.objectContaining({ Name: 'cirros', Status: 'active' }),
      ]),
    );

    const shown = await cli.json('novaflow-demo', ['image', 'show', 'cli-image']);
    expect(shown).toMatchObject({
      id: created.id,
      status: 'active',
      size: data.length,
      virtual_size: VIRTUAL_SIZE,
      checksum: digest('md5', data),
      file: `/v2/images/${created.id}/file`,
      properties: expect.objectContaining({
        os_distro: 'novaflow',
        os_hash_algo: 'sha512',
        os_hash_value: digest('sha512', data),
      }),
    });

    expect(
      await cli.ok('novaflow-demo', [
        'image',
        'set',
        '--property',
        'hw_rng_model=virtio',
        '--min-ram',
        '128',
        '--tag',
        'one',
        '--tag',
        'two',
        'cli-image',
      ]),
    ).toBe('');
    expect(
      await cli.ok('novaflow-demo', [
        'image',
        'unset',
        '--tag',
        'one',
        '--property',
        'os_distro',
        'cli-image',
      ]),
    ).toBe('');
    const changed = await cli.json('novaflow-demo', ['image', 'show', 'cli-image']);
    expect(changed.min_ram).toBe(128);
    expect(changed.tags).toEqual(['two']);
    expect(changed.properties.hw_rng_model).toBe('virtio');
    expect(changed.properties.os_distro).toBeUndefined();

    const saved = join(stack.workDir, 'saved.qcow2');
    expect(await cli.ok('novaflow-demo', ['image', 'save', '--file', saved, 'cli-image'])).toBe('');
    expect(readFileSync(saved).equals(data)).toBe(true);

    expect(await cli.ok('novaflow-demo', ['image', 'delete', 'cli-image'])).toBe('');
    const gone = await cli.run('novaflow-demo', ['image', 'show', 'cli-image']);
    expect(gone).toMatchObject({ code: 1, stderr: 'No Image found for cli-image\n' });
    const names = (await cli.json('novaflow-demo', ['image', 'list'])).map((image: any) => image.Name);
    expect(names).not.toContain('cli-image');
  });

  it('shows the policy error when demo makes an image public', async () => {
    const refused = await cli.run('novaflow-demo', [
      'image',
      'create',
      '--public',
      '--file',
      '/dev/null',
      'demo-public',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('403');
    expect(refused.stderr).toContain("Policy doesn't allow image:publicize to be performed.");
    const names = (await cli.json('novaflow-admin', ['image', 'list', '--all'])).map(
      (image: any) => image.Name,
    );
    expect(names).not.toContain('demo-public');
  });

  it('shares an image with another project, which accepts it', async () => {
    const demoProject = (await cli.json('novaflow-demo', ['token', 'issue'])).project_id;
    // Without --file the CLI reads image data from a stdin that is not a terminal: give it a file.
    const file = join(stack.workDir, 'shared.qcow2');
    writeFileSync(file, buildQcow2(VIRTUAL_SIZE, randomBytes(1024)));
    const image = await cli.json('novaflow-admin', [
      'image',
      'create',
      '--shared',
      '--file',
      file,
      'admin-shared',
    ]);
    const member = await cli.json('novaflow-admin', ['image', 'add', 'project', 'admin-shared', demoProject]);
    expect(member).toMatchObject({ image_id: image.id, member_id: demoProject, status: 'pending' });

    const sharedNames = async () =>
      (await cli.json('novaflow-demo', ['image', 'list', '--shared'])).map((listed: any) => listed.Name);
    expect(await sharedNames()).not.toContain('admin-shared');
    expect(await cli.ok('novaflow-demo', ['image', 'set', '--accept', image.id])).toBe('');
    expect(await sharedNames()).toContain('admin-shared');
    const members = await cli.json('novaflow-admin', ['image', 'member', 'list', 'admin-shared']);
    expect(members).toEqual([{ 'Image ID': image.id, 'Member ID': demoProject, Status: 'accepted' }]);
  });
});
