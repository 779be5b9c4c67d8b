import { type GuestSpec } from '../../../apps/worker-compute/virt/driver';
import { domainXml, rootDeviceName } from '../../../apps/worker-compute/virt/libvirt/domain-xml';
import { InstanceFiles } from '../../../apps/worker-compute/virt/libvirt/instance-files';

const UUID = '6f1e2d3c-4b5a-4968-8776-655443322110';
const files = InstanceFiles.of('/srv/instances/host1', UUID);

const spec = (overrides: Partial<GuestSpec> = {}): GuestSpec => ({
  instanceUuid: UUID,
  name: 'instance-0000000a',
  hostname: 'web<1>&co',
  flavor: {
    flavorid: '2',
    name: 'm1.small',
    vcpus: 2,
    memoryMb: 2048,
    rootGb: 20,
    ephemeralGb: 0,
    swap: 0,
    extraSpecs: {},
  },
  image: { id: 'img', properties: {} },
  interfaces: [
    {
      portId: 'p1',
      networkId: 'n',
      networkName: 'private',
      macAddress: 'fa:16:3e:00:00:01',
      fixedIps: ['10.0.0.5'],
    },
    { portId: 'p2', networkId: 'n', networkName: 'private', macAddress: 'fa:16:3e:00:00:02', fixedIps: [] },
  ],
  userData: null,
  keyData: null,
  metadata: {},
  ...overrides,
});

const layout = { ephemeral: false, swap: false, kernel: false, ramdisk: false };

describe('libvirt domain XML', () => {
  it("names the domain by the instance's uuid and name, sized by its flavor", () => {
    const xml = domainXml(spec(), files, { virtType: 'qemu', arch: 'x86_64', ...layout });
    expect(xml).toContain(`<uuid>${UUID}</uuid>`);
    expect(xml).toContain('<name>instance-0000000a</name>');
    expect(xml).toContain('<memory unit="MiB">2048</memory>');
    expect(xml).toContain('<vcpu>2</vcpu>');
    expect(xml).toContain('<domain type="qemu">');
    expect(xml).not.toContain('<cpu');
  });

  it('asks KVM for the host CPU model, as Nova does by default', () => {
    const xml = domainXml(spec(), files, { virtType: 'kvm', arch: 'x86_64', ...layout });
    expect(xml).toContain('<domain type="kvm">');
    expect(xml).toContain('<cpu mode="host-model"/>');
  });

  it('boots from its root disk, or directly from the kernel and ramdisk of an image that has them', () => {
    expect(domainXml(spec(), files, { virtType: 'qemu', arch: 'x86_64', ...layout })).toContain(
      '<boot dev="hd"/>',
    );
    const direct = domainXml(
      spec({ image: { id: 'img', properties: { os_command_line: 'console=ttyS0' } } }),
      files,
      {
        virtType: 'qemu',
        arch: 'x86_64',
        ...layout,
        kernel: true,
        ramdisk: true,
      },
    );
    expect(direct).toContain(`<kernel>${files.kernel}</kernel>`);
    expect(direct).toContain(`<initrd>${files.ramdisk}</initrd>`);
    expect(direct).toContain('<cmdline>console=ttyS0</cmdline>');
    expect(direct).not.toContain('<boot dev=');
  });

  it('attaches the root, ephemeral and swap disks in that order, as qcow2 files of the instance', () => {
    const xml = domainXml(spec(), files, {
      virtType: 'qemu',
      arch: 'x86_64',
      ...layout,
      ephemeral: true,
      swap: true,
    });
    const disks = [...xml.matchAll(/<source file="([^"]+)"\/>\s*<target dev="(\w+)" bus="virtio"\/>/g)].map(
      (m) => [m[1], m[2]],
    );
    expect(disks).toEqual([
      [files.rootDisk, 'vda'],
      [files.ephemeralDisk, 'vdb'],
      [files.swapDisk, 'vdc'],
    ]);
    expect(rootDeviceName(spec())).toBe('/dev/vda');
    expect(rootDeviceName(spec({ image: { id: 'img', properties: { hw_disk_bus: 'scsi' } } }))).toBe(
      '/dev/sda',
    );
  });

  it("has one NIC per port with the port's MAC, and a serial console logged to a file that survives reboots", () => {
    const xml = domainXml(spec(), files, { virtType: 'qemu', arch: 'x86_64', ...layout });
    expect([...xml.matchAll(/<mac address="([^"]+)"\/>/g)].map((m) => m[1])).toEqual([
      'fa:16:3e:00:00:01',
      'fa:16:3e:00:00:02',
    ]);
    expect(xml).toContain(`<source path="${files.consoleLog}" append="on"/>`);
  });

  it('escapes what it takes from the user', () => {
    const xml = domainXml(spec(), files, { virtType: 'qemu', arch: 'x86_64', ...layout });
    expect(xml).toContain('<nova:name>web&lt;1&gt;&amp;co</nova:name>');
  });

  it("refers each filtered port's interface to its nwfilter, and an unfiltered one (an old spec) to none", () => {
    const [filtered, old] = spec().interfaces;
    const xml = domainXml(spec({ interfaces: [{ ...filtered, firewallRules: [] }, old] }), files, {
      virtType: 'qemu',
      arch: 'x86_64',
      ...layout,
    });
    const nics = xml.split('<interface').slice(1);
    expect(nics[0]).toContain(`<filterref filter="nova-instance-${UUID}-p1"/>`);
    expect(nics[1]).not.toContain('filterref');
  });
});
