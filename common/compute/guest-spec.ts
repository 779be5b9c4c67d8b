import type { FlavorSnapshot } from '../../entities/instance.entities';

/**
 * One rule of a port's security groups as the host's firewall applies it: a remote group is
 * already resolved into its members' addresses (one rule per address), so the host, which has no
 * database, needs nothing else.
 */
export interface FirewallRule {
  direction: 'ingress' | 'egress';
  ethertype: 'IPv4' | 'IPv6';
  /** The protocol as the rule stores it (a name or a number), null for any. */
  protocol: string | null;
  /** The port range for TCP, UDP and the like; ICMP's type and code. */
  portRangeMin: number | null;
  portRangeMax: number | null;
  /** The remote address or prefix; null for anywhere. */
  remoteIpPrefix: string | null;
}

/** A network interface of a guest, as the network service allocated it. */
export interface GuestInterface {
  portId: string;
  networkId: string;
  networkName: string;
  macAddress: string;
  fixedIps: string[];
  /**
   * What the port's security groups allow, every other ingress and egress dropped; null when
   * port security is off (nothing filtered). Absent in specs recorded before hosts filtered.
   */
  firewallRules?: FirewallRule[] | null;
}

/**
 * Everything a virt driver needs to build one guest. The conductor assembles it from the
 * database and sends it to the host's queue: the host itself has no database.
 */
export interface GuestSpec {
  instanceUuid: string;
  /** The hypervisor's name for the guest, from instance_name_template (e.g. instance-0000000a). */
  name: string;
  hostname: string;
  flavor: FlavorSnapshot;
  image: { id: string; properties: Record<string, string> };
  /** The cached image file on the host, filled in there when the driver needs image data. */
  imagePath?: string;
  /** The cached kernel and ramdisk of an image that boots by direct kernel boot (kernel_id, ramdisk_id). */
  kernelPath?: string;
  ramdiskPath?: string;
  interfaces: GuestInterface[];
  userData: string | null;
  keyData: string | null;
  metadata: Record<string, string>;
}
