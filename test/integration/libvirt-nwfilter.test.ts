import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type FirewallRule, type GuestSpec } from '../../apps/worker-compute/virt/driver';
import { LibvirtDriver } from '../../apps/worker-compute/virt/libvirt/libvirt-driver';
import { Virsh } from '../../apps/worker-compute/virt/libvirt/virsh';
import { libvirtHostLayout } from '../../scripts/libvirt-daemon';
import { libvirtForTests, libvirtHostConfig, startLibvirtDaemon } from '../support/libvirt';
import { type TestProcess } from '../support/processes';
import { contractFlavor } from '../support/virt-driver-contract';

const { guestImage, reason } = libvirtForTests();
if (!guestImage) console.warn(`skipping the libvirt nwfilter tests: ${reason}`);
const describeWithLibvirt = guestImage ? describe : describe.skip;

const HOSTS = { a: 'nwfilter-a', b: 'nwfilter-b' };
const PORT = '7d0c5a4e-1b2f-4c3d-9e8f-0a1b2c3d4e5f';
const SSH_FROM_ADMIN_NET: FirewallRule = {
  direction: 'ingress',
  ethertype: 'IPv4',
  protocol: 'tcp',
  portRangeMin: 22,
  portRangeMax: 22,
  remoteIpPrefix: '10.1.0.0/16',
};
const ANY_EGRESS: FirewallRule = {
  direction: 'egress',
  ethertype: 'IPv4',
  protocol: null,
  portRangeMin: null,
  portRangeMax: null,
  remoteIpPrefix: null,
};
const WEB: FirewallRule = { ...SSH_FROM_ADMIN_NET, portRangeMin: 80, portRangeMax: 81, remoteIpPrefix: null };

/** The ports' security groups as libvirt nwfilters, on real guests under QEMU in the tests' own libvirtds. */
describeWithLibvirt('libvirt driver: security groups as nwfilters', () => {
  let dataDir: string;
  const daemons: TestProcess[] = [];
  const drivers = new Map<string, LibvirtDriver>();
  const virshOf = (host: string) => new Virsh(libvirtHostLayout(dataDir, host).uri);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(process.env.NOVAFLOW_TEST_SCRATCH!, 'libvirt-nwfilter-'));
    for (const host of Object.values(HOSTS)) {
      daemons.push(await startLibvirtDaemon(dataDir, host));
      drivers.set(
        host,
        new LibvirtDriver(host, libvirtHostConfig(dataDir, host), join(dataDir, 'instances')),
      );
    }
  });

  afterAll(async () => {
    await Promise.all(daemons.map((daemon) => daemon.stop()));
    rmSync(dataDir, { recursive: true, force: true });
  });

  const spec = (instanceUuid: string, firewallRules: FirewallRule[]): GuestSpec => ({
    instanceUuid,
    name: `instance-${instanceUuid.slice(0, 8)}`,
    hostname: 'vm1',
    flavor: contractFlavor(),
    image: {
      id: 'tiny-linux',
      properties: { kernel_id: 'kernel', ramdisk_id: 'ramdisk', os_command_line: 'console=ttyS0 quiet' },
    },
    imagePath: guestImage!.rootDisk,
    kernelPath: guestImage!.kernel,
    ramdiskPath: guestImage!.ramdisk,
    interfaces: [
      {
        portId: PORT,
        networkId: 'net',
        networkName: 'private',
        macAddress: 'fa:16:3e:00:00:07',
        fixedIps: ['10.0.0.7'],
        firewallRules,
      },
    ],
    userData: null,
    keyData: null,
    metadata: {},
  });

  const filterName = (uuid: string) => `nova-instance-${uuid}-${PORT}`;
  const filtersOf = async (host: string, uuid: string) =>
    (await virshOf(host).run(['nwfilter-list'])).split('\n').filter((line) => line.includes(uuid));
  const filterXml = (host: string, uuid: string) => virshOf(host).run(['nwfilter-dumpxml', filterName(uuid)]);
  /** The iptables chain libvirt made for traffic towards the guest's tap, as iptables lists it. */
  const toGuestChain = async (host: string, uuid: string) => {
    const tap = /^\s*(\S+)\s+ethernet/m.exec(await virshOf(host).run(['domiflist', uuid]))?.[1];
    return execFileSync('iptables', ['-S', `FO-${tap}`], { encoding: 'utf8' });
  };

  it("boots a guest whose interface refers to its port's filter, which carries the port's rules", async () => {
    const uuid = randomUUID();
    const driver = drivers.get(HOSTS.a)!;
    const guest = spec(uuid, [SSH_FROM_ADMIN_NET, ANY_EGRESS]);
    try {
      await driver.prepareBlockDevices(guest);
      await driver.spawn(guest);
      const domain = await virshOf(HOSTS.a).run(['dumpxml', uuid]);
      expect(domain).toMatch(
        new RegExp(`<interface type='ethernet'>[\\s\\S]*<filterref filter='${filterName(uuid)}'/>`),
      );
      const filter = await filterXml(HOSTS.a, uuid);
      const cleanTraffic = /<filterref filter='clean-traffic'>[\s\S]*?<\/filterref>/.exec(filter)?.[0];
      expect(cleanTraffic).toContain("<parameter name='IP' value='10.0.0.7'/>");
      expect(cleanTraffic).toContain("<parameter name='MAC' value='fa:16:3e:00:00:07'/>");
      expect(filter).toMatch(
        /<rule action='accept' direction='in' priority='500'>\s*<tcp srcipaddr='10.1.0.0' srcipmask='16' state='NEW' dstportstart='22' dstportend='22'\/>/,
      );
      expect(filter).toMatch(/<rule action='accept' direction='out' priority='500'>\s*<all state='NEW'\/>/);
      expect(filter).toMatch(/<rule action='drop' direction='inout' priority='1000'>\s*<all\/>/);
      // libvirt put it in force on the guest's tap: new connections to port 22 from 10.1/16 only.
      const chain = await toGuestChain(HOSTS.a, uuid);
      expect(chain).toContain('-s 10.1.0.0/16 -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -j ACCEPT');
      expect(chain).toMatch(/-j DROP\s*$/);

      // Spawned again (a retry), the filter is the same one, once.
      await driver.spawn(guest);
      expect(await filterXml(HOSTS.a, uuid)).toBe(filter);
      expect(await filtersOf(HOSTS.a, uuid)).toHaveLength(1);
    } finally {
      await driver.destroy(uuid);
    }
    expect(await filtersOf(HOSTS.a, uuid)).toEqual([]);
  });

  it("brings the filter in line with the port's rules on an interface sync, the newest read winning", async () => {
    const uuid = randomUUID();
    const driver = drivers.get(HOSTS.a)!;
    const guest = spec(uuid, [SSH_FROM_ADMIN_NET]);
    try {
      await driver.prepareBlockDevices(guest);
      await driver.spawn(guest);
      const [nic] = guest.interfaces;
      // A rule added to the port's group: the sync that follows carries it.
      await driver.syncInterfaces(uuid, [{ ...nic, firewallRules: [SSH_FROM_ADMIN_NET, WEB] }], 20);
      const updated = await filterXml(HOSTS.a, uuid);
      expect(updated).toMatch(/<tcp state='NEW' dstportstart='80' dstportend='81'\/>/);
      expect(await toGuestChain(HOSTS.a, uuid)).toContain(
        '--dport 80:81 -m conntrack --ctstate NEW -j ACCEPT',
      );
      // The same sync again changes nothing; one read before it (crossing it) is not applied.
      await driver.syncInterfaces(uuid, [{ ...nic, firewallRules: [SSH_FROM_ADMIN_NET, WEB] }], 20);
      await driver.syncInterfaces(uuid, [{ ...nic, firewallRules: [SSH_FROM_ADMIN_NET] }], 10);
      expect(await filterXml(HOSTS.a, uuid)).toBe(updated);
      // The rule removed, then port security turned off: nothing is filtered any more.
      await driver.syncInterfaces(uuid, [{ ...nic, firewallRules: [SSH_FROM_ADMIN_NET] }], 30);
      expect(await filterXml(HOSTS.a, uuid)).not.toContain("dstportstart='80'");
      await driver.syncInterfaces(uuid, [{ ...nic, firewallRules: null }], 40);
      expect(await filterXml(HOSTS.a, uuid)).not.toContain('<rule');
      // The port deleted: its interface unplugged, and its filter with it.
      await driver.syncInterfaces(uuid, [], 50);
      const domain = await virshOf(HOSTS.a).run(['dumpxml', uuid, '--inactive']);
      expect(domain).not.toContain('<interface');
      expect(await filtersOf(HOSTS.a, uuid)).toEqual([]);
    } finally {
      await driver.destroy(uuid);
    }
  });

  it('moves the filter with a live-migrated guest, and leaves none on the source', async () => {
    const uuid = randomUUID();
    const [source, dest] = [drivers.get(HOSTS.a)!, drivers.get(HOSTS.b)!];
    const guest = spec(uuid, [SSH_FROM_ADMIN_NET, ANY_EGRESS]);
    try {
      await source.prepareBlockDevices(guest);
      await source.spawn(guest);
      await dest.checkCanLiveMigrateDestination(guest, HOSTS.a);
      await dest.preLiveMigration(guest);
      await source.liveMigrate(uuid, HOSTS.b, {
        onProgress: () => undefined,
        signal: new AbortController().signal,
      });
      await dest.postLiveMigrationAtDestination(uuid, false);
      await source.destroy(uuid);
      expect(await filtersOf(HOSTS.a, uuid)).toHaveLength(0);
      expect(await filterXml(HOSTS.b, uuid)).toContain("dstportstart='22'");
      expect(await virshOf(HOSTS.b).run(['dumpxml', uuid])).toContain(
        `<filterref filter='${filterName(uuid)}'/>`,
      );
    } finally {
      await source.destroy(uuid);
      await dest.destroy(uuid);
    }
    expect(await filtersOf(HOSTS.b, uuid)).toEqual([]);
  });
});
