import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Virsh } from '../../apps/worker-compute/virt/libvirt/virsh';
import { GUEST_BOOTED_LINE, GUEST_IMAGE_NAME } from '../../scripts/guest-image';
import { libvirtHostLayout } from '../../scripts/libvirt-daemon';
import { seedTinyLinux } from '../../scripts/seed/tiny-linux';
import { libvirtForTests } from '../support/libvirt';
import { ensureOpenstackCli, OpenstackCli } from '../support/openstack-cli';
import { TEST_PASSWORDS } from '../support/passwords';
import { TestStack, waitFor } from '../support/stack';

const { cli, reason: noCli } = ensureOpenstackCli();
const { guestImage, reason: noLibvirt } = libvirtForTests();
const describeWithLibvirt = cli && guestImage ? describe : describe.skip;
if (!cli) console.warn(`skipping the libvirt e2e tests: ${noCli}`);
else if (!guestImage) console.warn(`skipping the libvirt e2e tests: ${noLibvirt}`);

const HOSTS = ['lv-a', 'lv-b'];

/**
 * Real guests under QEMU through the whole pipeline, driven by the unmodified `openstack` CLI:
 * two libvirt hosts, each its own libvirtd, and the tiny-linux image seeded as `npm start` seeds it.
 */
describeWithLibvirt('openstack CLI: real guests on libvirt hosts', () => {
  let stack: TestStack;
  let openstack: OpenstackCli;
  const admin = 'novaflow-admin';
  const virsh = (host: string) => new Virsh(libvirtHostLayout(stack.workDir, host).uri);

  beforeAll(async () => {
    // The power-state sync every 3 s, and its schedules ensured by a reconciler pass every 2 s.
    stack = await TestStack.start({
      config: '[DEFAULT]\nsync_power_state_interval = 3\n[conductor]\nreconcile_interval = 2\n',
    });
    for (const host of HOSTS) await stack.startLibvirtCompute(host);
    await stack.waitHealthy();
    openstack = new OpenstackCli(cli!, stack.apiUrl, stack.workDir);
    await seedTinyLinux(
      { publicUrl: stack.apiUrl, username: 'admin', password: TEST_PASSWORDS.admin, projectName: 'admin' },
      join(guestImage!.rootDisk, '..'),
    );
    await waitFor(
      async () => (await openstack.json(admin, ['hypervisor', 'list'])).length === HOSTS.length,
      60_000,
      'both libvirt hypervisors',
    );
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const show = (name: string) => openstack.json(admin, ['server', 'show', name]);
  const settled = (name: string, status: string) =>
    waitFor(
      async () => {
        const server = await show(name);
        return server.status === status && server['OS-EXT-STS:task_state'] === null;
      },
      120_000,
      `${name} to be ${status}`,
    );
  const consoleLog = (name: string, ...args: string[]) =>
    openstack.ok(admin, ['console', 'log', 'show', ...args, name]);
  const boots = async (name: string) => (await consoleLog(name)).split(GUEST_BOOTED_LINE).length - 1;
  const bootedTimes = (name: string, times: number) =>
    waitFor(async () => (await boots(name)) >= times, 120_000, `${name} to boot ${times} times`);
  const domainState = async (host: string, uuid: string) =>
    (await virsh(host).onDomain(['domstate', uuid]))?.trim();
  const instanceDirs = (host: string) => {
    const dir = join(stack.workDir, 'instances', host);
    return existsSync(dir) ? readdirSync(dir).filter((name) => name !== '_base') : [];
  };
  const create = (name: string, host: string) =>
    openstack.json(admin, [
      'server',
      'create',
      '--wait',
      '--image',
      GUEST_IMAGE_NAME,
      '--flavor',
      'm1.tiny',
      '--network',
      'private',
      '--availability-zone',
      `nova:${host}`,
      name,
    ]);

  it('shows both libvirt hosts as QEMU hypervisors', async () => {
    const hypervisors = await openstack.json(admin, ['hypervisor', 'list']);
    expect(hypervisors.map((h: any) => [h['Hypervisor Hostname'], h['Hypervisor Type']]).sort()).toEqual([
      ['lv-a', 'QEMU'],
      ['lv-b', 'QEMU'],
    ]);
  });

  it('boots, stops, starts, reboots, resizes, live-migrates and deletes a real guest', async () => {
    const server = await create('real1', 'lv-a');
    expect(server.status).toBe('ACTIVE');
    const uuid: string = server.id;
    await bootedTimes('real1', 1);
    expect(await domainState('lv-a', uuid)).toBe('running');
    expect((await consoleLog('real1', '--lines', '1')).trim()).toBe(GUEST_BOOTED_LINE);

    await openstack.ok(admin, ['server', 'stop', 'real1']);
    await settled('real1', 'SHUTOFF');
    expect(await domainState('lv-a', uuid)).toBe('shut off');

    await openstack.ok(admin, ['server', 'start', 'real1']);
    await settled('real1', 'ACTIVE');
    expect(await domainState('lv-a', uuid)).toBe('running');
    await bootedTimes('real1', 2);

    await openstack.ok(admin, ['server', 'reboot', '--hard', '--wait', 'real1']);
    await settled('real1', 'ACTIVE');
    await bootedTimes('real1', 3);

    await openstack.ok(admin, ['server', 'resize', '--flavor', 'm1.small', '--wait', 'real1']);
    await settled('real1', 'VERIFY_RESIZE');
    expect((await show('real1'))['OS-EXT-SRV-ATTR:host']).toBe('lv-b');
    expect(await domainState('lv-b', uuid)).toBe('running');
    await openstack.ok(admin, ['server', 'resize', 'confirm', 'real1']);
    await settled('real1', 'ACTIVE');
    expect(await domainState('lv-a', uuid)).toBeUndefined();
    expect(instanceDirs('lv-a')).toEqual([]);
    // m1.small's 2048 MB, where m1.tiny had 512.
    expect(await virsh('lv-b').run(['dominfo', uuid])).toMatch(/Max memory:\s+2097152 KiB/);

    await openstack.ok(admin, [
      '--os-compute-api-version',
      '2.30',
      'server',
      'migrate',
      '--live-migration',
      '--host',
      'lv-a',
      '--wait',
      'real1',
    ]);
    await settled('real1', 'ACTIVE');
    expect((await show('real1'))['OS-EXT-SRV-ATTR:host']).toBe('lv-a');
    expect(await domainState('lv-a', uuid)).toBe('running');
    expect(await domainState('lv-b', uuid)).toBeUndefined();

    await openstack.ok(admin, ['server', 'delete', '--wait', 'real1']);
    for (const host of HOSTS) {
      expect(await domainState(host, uuid)).toBeUndefined();
      expect(instanceDirs(host)).toEqual([]);
    }
  });

  it("stops through the stop path a guest powered off behind the API's back, and records why", async () => {
    const server = await create('unruly', 'lv-a');
    const uuid: string = server.id;
    await bootedTimes('unruly', 1);
    // As a guest that shuts itself down, or an operator at the host's virsh.
    await virsh('lv-a').run(['destroy', uuid]);
    await settled('unruly', 'SHUTOFF');
    expect(await domainState('lv-a', uuid)).toBe('shut off');

    const actions = await openstack.json(admin, ['server', 'event', 'list', 'unruly']);
    const stop = actions.find((action: any) => action.Action === 'stop');
    expect(stop).toBeDefined();
    const shown = await openstack.json(admin, [
      '--os-compute-api-version',
      '2.84',
      'server',
      'event',
      'show',
      'unruly',
      stop['Request ID'],
    ]);
    expect(shown.events.map((event: any) => [event.event, event.result])).toEqual(
      expect.arrayContaining([
        ['power_sync', 'Success'],
        ['compute_stop_instance', 'Success'],
      ]),
    );
    const why = shown.events.find((event: any) => event.event === 'power_sync');
    expect(why.details).toBe(
      'vm_state active, power_state 4 on the host: Instance shutdown by itself. Calling the stop API.',
    );
    // Started again by its user, it runs, and the sync leaves it be.
    await openstack.ok(admin, ['server', 'start', 'unruly']);
    await settled('unruly', 'ACTIVE');
    await bootedTimes('unruly', 2);
    await openstack.ok(admin, ['server', 'delete', '--wait', 'unruly']);
  });

  it('completes a boot once, with one domain, when the compute worker is killed during spawn', async () => {
    const domains = async () =>
      (await virsh('lv-b').run(['list', '--all', '--uuid'])).split('\n').filter(Boolean);
    const before = new Set(await domains());
    const creating = create('crash1', 'lv-b');
    // Killed as soon as libvirt has the domain: the spawn step has begun and not reported back.
    let uuid: string | undefined;
    await waitFor(
      async () => {
        uuid = (await domains()).find((listed) => !before.has(listed));
        return uuid !== undefined;
      },
      120_000,
      'the domain of crash1',
    );
    await stack.restartCompute('lv-b', { kill: true });
    const server = await creating;
    expect(server.status).toBe('ACTIVE');
    expect(server.id).toBe(uuid);
    expect((await domains()).filter((listed) => listed === uuid)).toEqual([uuid]);
    expect((await domains()).filter((listed) => !before.has(listed))).toEqual([uuid]);
    expect(await domainState('lv-a', uuid!)).toBeUndefined();
    await bootedTimes('crash1', 1);
    expect(await boots('crash1')).toBe(1);
    await openstack.ok(admin, ['server', 'delete', '--wait', 'crash1']);
    expect(instanceDirs('lv-b')).toEqual([]);
  });
});
