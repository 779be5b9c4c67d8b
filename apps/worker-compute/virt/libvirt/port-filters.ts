import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type GuestInterface } from '../driver';
import { instanceFilterPrefix, portFilterName, portFilterXml } from './nwfilter-xml';
import { LibvirtError, type Virsh } from './virsh';

const NOT_FOUND = /Network filter not found|no nwfilter with matching/i;
const IN_USE = /nwfilter is in use/i;

/**
 * The nwfilters of an instance's ports in one libvirtd. Defining a filter again replaces its rules
 * (libvirt applies them to the running guest at once) and, the XML the same, changes nothing; a
 * filter is undefined only once no interface refers to it.
 */
export class PortFilters {
  constructor(private readonly virsh: Virsh) {}

  /** Defines (or updates) the filter of every interface that is filtered. */
  async define(instanceUuid: string, interfaces: GuestInterface[]): Promise<void> {
    for (const nic of interfaces) {
      if (nic.firewallRules === undefined) continue;
      // virsh reads the file itself and sends its text: the daemon's own namespace does not matter.
      const file = join(tmpdir(), `novaflow-nwfilter-${randomUUID()}.xml`);
      try {
        await writeFile(file, portFilterXml(instanceUuid, nic));
        await this.virsh.run(['nwfilter-define', file]);
      } finally {
        await rm(file, { force: true });
      }
    }
  }

  /**
   * Undefines the instance's filters but those of `keep` (port ids). With `leaveInUse`, one still
   * in use (an interface whose live unplug the guest has not finished) is left for the destroy.
   */
  async undefine(
    instanceUuid: string,
    { keep: keepPortIds = [], leaveInUse = false }: { keep?: string[]; leaveInUse?: boolean } = {},
  ): Promise<void> {
    const keep = new Set(keepPortIds.map((portId) => portFilterName(instanceUuid, portId)));
    for (const name of await this.namesOf(instanceUuid)) {
      if (keep.has(name)) continue;
      await this.virsh.run(['nwfilter-undefine', name]).catch((error: unknown) => {
        if (error instanceof LibvirtError && NOT_FOUND.test(error.libvirtMessage)) return;
        if (error instanceof LibvirtError && IN_USE.test(error.libvirtMessage) && leaveInUse) return;
        throw error;
      });
    }
  }

  /** The names of the instance's filters that libvirt has. */
  async namesOf(instanceUuid: string): Promise<string[]> {
    const prefix = instanceFilterPrefix(instanceUuid);
    const listing = await this.virsh.run(['nwfilter-list']);
    return listing
      .split('\n')
      .map((line) => line.trim().split(/\s+/)[1] ?? '')
      .filter((name) => name.startsWith(prefix));
  }
}
