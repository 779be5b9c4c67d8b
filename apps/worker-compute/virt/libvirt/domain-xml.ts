import { type GuestSpec } from '../driver';
import { escapeXml } from './escape-xml';
import { type InstanceFiles } from './instance-files';
import { portFilterName } from './nwfilter-xml';

/** Nova's kernel command line for a direct kernel boot whose image has no os_command_line. */
const DEFAULT_COMMAND_LINE = 'root=/dev/vda console=tty0 console=ttyS0';

export interface DomainOptions {
  /** libvirt's domain type: kvm, or qemu for software emulation ([libvirt] virt_type). */
  virtType: 'kvm' | 'qemu';
  /** The host's CPU architecture, as libvirt names it (x86_64). */
  arch: string;
  /** Which of the guest's disks exist besides the root disk. */
  ephemeral: boolean;
  swap: boolean;
  /** Whether the image boots by direct kernel boot (it has kernel_id), with a ramdisk (ramdisk_id). */
  kernel: boolean;
  ramdisk: boolean;
}

/**
 * The libvirt domain of a guest, as Nova's libvirt driver builds it from flavor, image and ports:
 * the domain's uuid is the instance's, its disks are qcow2 files in the instance directory, one
 * virtio NIC per port with the port's MAC on a tap device, filtered by the port's nwfilter (see
 * nwfilter-xml.ts), and a serial console logged to a file that survives reboots (append).
 */
export function domainXml(spec: GuestSpec, files: InstanceFiles, options: DomainOptions): string {
  const x = escapeXml;
  const props = spec.image.properties;
  const diskBus = props.hw_disk_bus || 'virtio';
  const nicModel = props.hw_vif_model || 'virtio';
  const disks = [
    files.rootDisk,
    ...(options.ephemeral ? [files.ephemeralDisk] : []),
    ...(options.swap ? [files.swapDisk] : []),
  ];
  const diskPrefix = diskBus === 'virtio' ? 'vd' : 'sd';
  const kernelBoot = options.kernel
    ? [
        `    <kernel>${x(files.kernel)}</kernel>`,
        ...(options.ramdisk ? [`    <initrd>${x(files.ramdisk)}</initrd>`] : []),
        `    <cmdline>${x(props.os_command_line || DEFAULT_COMMAND_LINE)}</cmdline>`,
      ]
    : ['    <boot dev="hd"/>'];

  return [
    `<domain type="${options.virtType}">`,
    `  <uuid>${x(spec.instanceUuid)}</uuid>`,
    `  <name>${x(spec.name)}</name>`,
    '  <metadata>',
    '    <nova:instance xmlns:nova="http://openstack.org/xmlns/libvirt/nova/1.1">',
    `      <nova:name>${x(spec.hostname)}</nova:name>`,
    `      <nova:flavor name="${x(spec.flavor.name)}">`,
    `        <nova:memory>${spec.flavor.memoryMb}</nova:memory>`,
    `        <nova:disk>${spec.flavor.rootGb}</nova:disk>`,
    `        <nova:vcpus>${spec.flavor.vcpus}</nova:vcpus>`,
    '      </nova:flavor>',
    `      <nova:root type="image" uuid="${x(spec.image.id)}"/>`,
    '    </nova:instance>',
    '  </metadata>',
    `  <memory unit="MiB">${spec.flavor.memoryMb}</memory>`,
    `  <vcpu>${spec.flavor.vcpus}</vcpu>`,
    '  <sysinfo type="smbios">',
    '    <system>',
    '      <entry name="manufacturer">Novaflow</entry>',
    '      <entry name="product">OpenStack Compute</entry>',
    `      <entry name="uuid">${x(spec.instanceUuid)}</entry>`,
    '    </system>',
    '  </sysinfo>',
    '  <os>',
    `    <type arch="${x(options.arch)}">hvm</type>`,
    ...kernelBoot,
    '    <smbios mode="sysinfo"/>',
    '  </os>',
    '  <features>',
    '    <acpi/>',
    '    <apic/>',
    '  </features>',
    ...(options.virtType === 'kvm' ? ['  <cpu mode="host-model"/>'] : []),
    '  <clock offset="utc"/>',
    '  <on_poweroff>destroy</on_poweroff>',
    '  <on_reboot>restart</on_reboot>',
    '  <on_crash>destroy</on_crash>',
    '  <devices>',
    ...disks.flatMap((path, i) => [
      '    <disk type="file" device="disk">',
      '      <driver name="qemu" type="qcow2" cache="none"/>',
      `      <source file="${x(path)}"/>`,
      `      <target dev="${diskPrefix}${String.fromCharCode(97 + i)}" bus="${x(diskBus)}"/>`,
      '    </disk>',
    ]),
    // libvirt names each tap (vnetN): Nova's tap<port id> would exist twice while a guest
    // live-migrates between two hosts of one machine.
    ...spec.interfaces.flatMap((nic) => [
      '    <interface type="ethernet">',
      `      <mac address="${x(nic.macAddress)}"/>`,
      `      <model type="${x(nicModel)}"/>`,
      // A spec recorded before hosts filtered has no rules to filter by.
      ...(nic.firewallRules === undefined
        ? []
        : [`      <filterref filter="${x(portFilterName(spec.instanceUuid, nic.portId))}"/>`]),
      '    </interface>',
    ]),
    '    <serial type="file">',
    `      <source path="${x(files.consoleLog)}" append="on"/>`,
    '      <target port="0"/>',
    '    </serial>',
    '    <console type="file">',
    `      <source path="${x(files.consoleLog)}" append="on"/>`,
    '      <target type="serial" port="0"/>',
    '    </console>',
    '  </devices>',
    '</domain>',
    '',
  ].join('\n');
}

/** The name a libvirt root disk has in the guest: vda on virtio, sda on scsi or sata. */
export function rootDeviceName(spec: GuestSpec): string {
  return (spec.image.properties.hw_disk_bus || 'virtio') === 'virtio' ? '/dev/vda' : '/dev/sda';
}
