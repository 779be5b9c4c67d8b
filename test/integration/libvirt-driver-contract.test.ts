import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type GuestSpec } from '../../apps/worker-compute/virt/driver';
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

  describeVirtDriverContract('libvirt driver', () => ({
    hosts: HOSTS,
    driver: (host) => drivers.get(host)!,
    spec: (instanceUuid, flavor): GuestSpec => ({
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
    }),
    suspendedPowerState: PowerState.SHUTDOWN,
    bootLine: GUEST_BOOTED_LINE,
  }));
});
