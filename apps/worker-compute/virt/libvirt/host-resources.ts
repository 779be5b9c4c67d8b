import { statfs } from 'node:fs/promises';
import { type HostResources } from '../driver';
import { hostArchitecture } from '../host-architecture';
import { type Virsh } from './virsh';

const MIB = 1024 ** 2;
const GIB = 1024 ** 3;

/** `virsh nodeinfo` / `nodememstats` lines ("CPU(s):  2", "total  : 8218828 KiB") as name → number. */
function fields(text: string): Map<string, number> {
  const map = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^\s*([^:]+?)\s*:\s*(\d+)/.exec(line);
    if (match) map.set(match[1].toLowerCase(), Number(match[2]));
  }
  return map;
}

/** Nova's hypervisor version: "QEMU 7.2.22" → 7002022 (major * 1,000,000 + minor * 1,000 + micro). */
export function hypervisorVersion(versionText: string): number {
  const match = /Running hypervisor:\s*\S+\s+(\d+)\.(\d+)\.(\d+)/.exec(versionText);
  if (!match) return 0;
  return Number(match[1]) * 1_000_000 + Number(match[2]) * 1_000 + Number(match[3]);
}

/**
 * What a libvirt host has and uses, read from the hypervisor as Nova's get_available_resource
 * does: CPUs and memory from libvirt, disk from the filesystem of instances_path; vCPUs used are
 * those of the domains defined here, memory used is what the host's own accounting says.
 */
export async function libvirtResources(
  virsh: Virsh,
  host: string,
  instancesDir: string,
  domainVcpus: () => Promise<number>,
): Promise<HostResources> {
  const [nodeinfo, memstats, version, disk, vcpusUsed] = await Promise.all([
    virsh.run(['nodeinfo']),
    virsh.run(['nodememstats']),
    virsh.run(['version']),
    statfs(instancesDir),
    domainVcpus(),
  ]);
  const node = fields(nodeinfo);
  const mem = fields(memstats);
  const totalKib = mem.get('total') ?? 0;
  const availableKib = (mem.get('free') ?? 0) + (mem.get('buffers') ?? 0) + (mem.get('cached') ?? 0);
  const diskTotal = disk.blocks * disk.bsize;
  const diskFree = disk.bavail * disk.bsize;
  return {
    // The host's name, not the machine's: several libvirt hosts may share one machine.
    hypervisorHostname: host,
    hypervisorType: 'QEMU',
    hypervisorVersion: hypervisorVersion(version),
    hostIp: '127.0.0.1',
    cpuArch: hostArchitecture(),
    vcpus: node.get('cpu(s)') ?? 0,
    memoryMb: Math.floor((totalKib * 1024) / MIB),
    localGb: Math.floor(diskTotal / GIB),
    vcpusUsed,
    memoryMbUsed: Math.floor(((totalKib - availableKib) * 1024) / MIB),
    localGbUsed: Math.floor((diskTotal - diskFree) / GIB),
  };
}
