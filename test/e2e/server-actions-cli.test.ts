import { ensureOpenstackCli, OpenstackCli } from '../support/openstack-cli';
import { TestStack, waitFor } from '../support/stack';

const { cli, reason } = ensureOpenstackCli();
const describeWithCli = cli ? describe : describe.skip;
if (!cli) console.warn(`skipping the openstack CLI tests: ${reason}`);

/**
 * Every in-place server action through the unmodified `openstack` CLI, as a tenant and an admin
 * would type it: stop, start, reboot soft and hard, pause, unpause, suspend, resume, lock and
 * unlock, reset state, console log, and delete with restore under soft delete.
 */
describeWithCli('openstack CLI: server actions', () => {
  let stack: TestStack;
  let openstack: OpenstackCli;

  beforeAll(async () => {
    stack = await TestStack.start({
      computeHosts: ['e2e-a'],
      // Soft delete keeps a deleted server for an hour, so `server restore` has something to restore.
      config: '[DEFAULT]\nreclaim_instance_interval = 3600\n',
    });
    await stack.waitHealthy();
    openstack = new OpenstackCli(cli!, stack.apiUrl, stack.workDir);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const show = (cloud: string, name: string) => openstack.json(cloud, ['server', 'show', name]);

  /** Waits as a user would, re-running `server show` until the status and no task. */
  const waitStatus = (name: string, status: string) =>
    waitFor(
      async () => {
        const server = await show('novaflow-demo', name);
        return server.status === status && server['OS-EXT-STS:task_state'] === null;
      },
      60_000,
      `${name} to be ${status}`,
    );

  it('stops, starts, reboots, pauses, suspends and resumes a server', async () => {
    await openstack.json('novaflow-demo', [
      'server',
      'create',
      '--wait',
      '--image',
      'cirros',
      '--flavor',
      'm1.tiny',
      '--network',
      'private',
      'act-vm',
    ]);
    await openstack.ok('novaflow-demo', ['server', 'stop', 'act-vm']);
    await waitStatus('act-vm', 'SHUTOFF');
    expect((await show('novaflow-demo', 'act-vm'))['OS-EXT-STS:power_state']).toBe(4);
    await openstack.ok('novaflow-demo', ['server', 'start', 'act-vm']);
    await waitStatus('act-vm', 'ACTIVE');
    await openstack.ok('novaflow-demo', ['server', 'reboot', '--wait', 'act-vm']);
    await openstack.ok('novaflow-demo', ['server', 'reboot', '--hard', '--wait', 'act-vm']);
    await waitStatus('act-vm', 'ACTIVE');
    await openstack.ok('novaflow-demo', ['server', 'pause', 'act-vm']);
    await waitStatus('act-vm', 'PAUSED');
    await openstack.ok('novaflow-demo', ['server', 'unpause', 'act-vm']);
    await waitStatus('act-vm', 'ACTIVE');
    await openstack.ok('novaflow-demo', ['server', 'suspend', 'act-vm']);
    await waitStatus('act-vm', 'SUSPENDED');
    await openstack.ok('novaflow-demo', ['server', 'resume', 'act-vm']);
    await waitStatus('act-vm', 'ACTIVE');

    const events = await openstack.json('novaflow-demo', ['server', 'event', 'list', 'act-vm']);
    expect(events.map((event: any) => event.Action).sort()).toEqual(
      ['create', 'pause', 'reboot', 'reboot', 'resume', 'start', 'stop', 'suspend', 'unpause'].sort(),
    );
    const console = await openstack.ok('novaflow-demo', ['console', 'log', 'show', '--lines', '2', 'act-vm']);
    expect(console.trimEnd().split('\n')).toHaveLength(2);
  });

  it('locks and unlocks, resets the state as an admin, and restores a soft-deleted server', async () => {
    // By id: an admin's lookup by name searches its own project, and lists leave soft-deleted servers out.
    const { id } = await openstack.json('novaflow-demo', [
      'server',
      'create',
      '--wait',
      '--image',
      'cirros',
      '--flavor',
      'm1.tiny',
      '--network',
      'private',
      'lock-vm',
    ]);
    const v273 = ['--os-compute-api-version', '2.73'];
    await openstack.ok('novaflow-demo', [...v273, 'server', 'lock', '--reason', 'maintenance', id]);
    expect(await openstack.json('novaflow-demo', [...v273, 'server', 'show', id])).toMatchObject({
      locked: true,
      locked_reason: 'maintenance',
    });
    const refused = await openstack.run('novaflow-demo', ['server', 'stop', id]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/is locked.*HTTP 409/s);
    await openstack.ok('novaflow-demo', ['server', 'unlock', id]);

    await openstack.ok('novaflow-admin', ['server', 'set', '--state', 'error', id]);
    await waitStatus(id, 'ERROR');
    await openstack.ok('novaflow-admin', ['server', 'set', '--state', 'active', id]);
    await waitStatus(id, 'ACTIVE');

    await openstack.ok('novaflow-demo', ['server', 'delete', id]);
    await waitStatus(id, 'SOFT_DELETED');
    expect(await openstack.json('novaflow-demo', ['server', 'list'])).not.toContainEqual(
      expect.objectContaining({ ID: id }),
    );
    await openstack.ok('novaflow-demo', ['server', 'restore', id]);
    await waitStatus(id, 'ACTIVE');
    expect((await show('novaflow-demo', id))['OS-EXT-STS:power_state']).toBe(1);
  });
});
