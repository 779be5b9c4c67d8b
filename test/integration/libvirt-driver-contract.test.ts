import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  GuestNotFound,
  type GuestSpec,
  type LiveMigrationProgress,
} from '../../apps/worker-compute/virt/driver';
import { InstanceFiles } from '../../apps/worker-compute/virt/libvirt/instance-files';
import {
  isMigrationRunning,
  migrateCommand,
} from '../../apps/worker-compute/virt/libvirt/live-migration-job';
import { Virsh } from '../../apps/worker-compute/virt/libvirt/virsh';
import { type FlavorSnapshot } from '../../entities/instance.entities';
import { libvirtHostLayout } from '../../scripts/libvirt-daemon';
import { LibvirtDriver } from '../../apps/worker-compute/virt/libvirt/libvirt-driver';
import { GUEST_BOOTED_LINE } from '../../scripts/guest-image';
import { PowerState } from '../../common/power-state';
import { libvirtForTests, libvirtHostConfig, startLibvirtDaemon } from '../support/libvirt';
import { type TestProcess } from '../support/processes';
import { contractFlavor, describeVirtDriverContract } from '../support/virt-driver-contract';

const { guestImage, reason } = libvirtForTests();
if (!guestImage) console.warn(`skipping the libvirt driver contract: ${reason}`);
const describeWithLibvirt = guestImage ? describe : describe.skip;

const HOSTS = { a: 'contract-a', b: 'contract-b' };

/** The contract on real guests under QEMU: two hosts, each its own libvirtd, on one machine. */
describeWithLibvirt('libvirt driver', () => {
  let dataDir: string;
  const daemons: TestProcess[] = [];
  const drivers = new Map<string, LibvirtDriver>();

  beforeAll(async () => {
    dataDir = mkdtempSync(join(process.env.NOVAFLOW_TEST_SCRATCH!, 'libvirt-contract-'));
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

  const spec = (instanceUuid: string, flavor?: Partial<FlavorSnapshot>): GuestSpec => ({
    instanceUuid,
    name: `instance-${instanceUuid.slice(0, 8)}`,
    hostname: 'vm1',
    flavor: contractFlavor(flavor),
    image: {
      id: 'tiny-linux',
      properties: { kernel_id: 'kernel', ramdisk_id: 'ramdisk', os_command_line: 'console=ttyS0 quiet' },
    },
    imagePath: guestImage!.rootDisk,
    kernelPath: guestImage!.kernel,
    ramdiskPath: guestImage!.ramdisk,
    interfaces: [
      {
        portId: instanceUuid,
        networkId: 'net',
        networkName: 'private',
        macAddress: 'fa:16:3e:00:00:01',
        fixedIps: [],
      },
    ],
    userData: null,
    keyData: null,
    metadata: {},
  });

  describeVirtDriverContract('libvirt driver', () => ({
    hosts: HOSTS,
    driver: (host) => drivers.get(host)!,
    spec,
    suspendedPowerState: PowerState.SHUTDOWN,
    bootLine: GUEST_BOOTED_LINE,
  }));

  it('unplugs an interface whose port is gone from the definition (and the running guest), once', async () => {
    const uuid = randomUUID();
    const guest = spec(uuid);
    const driver = drivers.get(HOSTS.a)!;
    const virsh = new Virsh(libvirtHostLayout(dataDir, HOSTS.a).uri);
    const macs = async () =>
      (await virsh.run(['domiflist', uuid, '--inactive'])).match(/fa:16:3e(:[0-9a-f]{2}){3}/g) ?? [];
    try {
      await driver.prepareBlockDevices(guest);
      await driver.spawn(guest);
      // Its port still there (re-addressed, say): nothing changes.
      await driver.syncInterfaces(uuid, guest.interfaces, 1);
      expect(await macs()).toEqual(['fa:16:3e:00:00:01']);
      await driver.syncInterfaces(uuid, [], 2);
      expect(await macs()).toEqual([]);
      await driver.syncInterfaces(uuid, [], 3);
      expect((await driver.getInfo(uuid)).powerState).toBe(PowerState.RUNNING);
      await expect(driver.syncInterfaces(randomUUID(), [], 4)).rejects.toBeInstanceOf(GuestNotFound);
    } finally {
      await driver.destroy(uuid);
    }
  });

  it('waits out a live migration that a killed compute worker began, rather than starting another', async () => {
    const uuid = randomUUID();
    const guest = spec(uuid);
    const [source, dest] = [drivers.get(HOSTS.a)!, drivers.get(HOSTS.b)!];
    try {
      await source.prepareBlockDevices(guest);
      await source.spawn(guest);
      await dest.preLiveMigration(guest);
      // The copy the killed worker's virsh still runs, slowed so that it outlives the restart.
      const target = {
        destUri: libvirtHostLayout(dataDir, HOSTS.b).uri,
        destXml: InstanceFiles.of(join(dataDir, 'instances', HOSTS.b), uuid).domainXml,
        inboundAddress: '127.0.0.1',
      };
      const orphan = new Virsh(libvirtHostLayout(dataDir, HOSTS.a).uri).run([
        ...migrateCommand(uuid, target),
        '--bandwidth',
        '64',
      ]);
      const sourceVirsh = new Virsh(libvirtHostLayout(dataDir, HOSTS.a).uri);
      while (!isMigrationRunning((await sourceVirsh.onDomain(['domjobinfo', uuid, '--rawstats'])) ?? '')) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      // The restarted worker: a driver of the same host that has no job of its own.
      const restarted = new LibvirtDriver(
        HOSTS.a,
        libvirtHostConfig(dataDir, HOSTS.a),
        join(dataDir, 'instances'),
      );
      const progress: LiveMigrationProgress[] = [];
      await restarted.liveMigrate(uuid, HOSTS.b, {
        onProgress: (p) => progress.push(p),
        signal: new AbortController().signal,
      });
      await orphan;
      expect(progress.length).toBeGreaterThan(0);
      expect(await source.listGuests()).toEqual(new Map());
      expect((await dest.postLiveMigrationAtDestination(uuid, false)).powerState).toBe(PowerState.RUNNING);
    } finally {
      await source.destroy(uuid);
      await dest.destroy(uuid);
    }
  });
});
