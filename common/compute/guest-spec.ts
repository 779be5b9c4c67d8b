import type { FlavorSnapshot } from '../../entities/instance.entities';

/** A network interface of a guest, as the network service allocated it. */
export interface GuestInterface {
  portId: string;
  networkId: string;
  networkName: string;
  macAddress: string;
  fixedIps: string[];
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
