import { type ComputeNode, type Service } from '../../../../entities';
import { type ApiVersion } from '../microversion';
import { UUID_FOR_ID_MIN_VERSION } from '../services/resource-ids';

/** A compute node with the nova-compute service that reports it. */
export interface Hypervisor {
  node: ComputeNode;
  service: Service;
  up: boolean;
}

/** A server on a hypervisor, as the servers route and with_servers list it. */
export interface HostedServer {
  name: string;
  uuid: string;
}

/**
 * The fake driver's host uptime: `uptime(1)`'s line, which python-openstackclient splits into
 * host_time, uptime, users and load_average. The fake hosts have no real host to ask.
 */
export const FAKE_UPTIME = ' 08:32:11 up 93 days, 18:25, 12 users,  load average: 0.20, 0.12, 0.14';

/** What the fake driver reports as cpu_info: the shape of Nova's own fake driver, with our arch. */
const cpuInfo = (node: ComputeNode) => ({
  arch: node.cpuArch,
  model: 'Nehalem',
  vendor: 'Intel',
  features: ['pge', 'clflush'],
  topology: { cores: 1, threads: 1, sockets: node.vcpus },
});

/** The id of a hypervisor or of its service: the UUID from 2.53, the integer id below. */
const idAt = (v: ApiVersion, uuid: string, serial: number) =>
  v.atLeast(UUID_FOR_ID_MIN_VERSION) ? uuid : serial;

export function hypervisorSummary({ node, service, up }: Hypervisor, v: ApiVersion) {
  return {
    id: idAt(v, node.uuid, node.id),
    hypervisor_hostname: node.hypervisorHostname,
    state: up ? 'up' : 'down',
    status: service.disabled ? 'disabled' : 'enabled',
  };
}

/** Nova's detail view: inventory and cpu_info (a JSON string below 2.28) until 2.87, uptime from 2.88. */
export function hypervisorDetail(entry: Hypervisor, v: ApiVersion) {
  const { node, service, up } = entry;
  const common = {
    ...hypervisorSummary(entry, v),
    hypervisor_type: node.hypervisorType,
    hypervisor_version: node.hypervisorVersion,
    host_ip: node.hostIp,
    service: {
      id: idAt(v, service.id, service.serialId),
      host: node.host,
      disabled_reason: service.disabledReason,
    },
  };
  if (v.atLeast('2.88')) return { ...common, uptime: up ? FAKE_UPTIME : null };
  return {
    ...common,
    vcpus: node.vcpus,
    memory_mb: node.memoryMb,
    local_gb: node.localGb,
    vcpus_used: node.vcpusUsed,
    memory_mb_used: node.memoryMbUsed,
    local_gb_used: node.localGbUsed,
    free_ram_mb: node.memoryMb - node.memoryMbUsed,
    free_disk_gb: node.localGb - node.localGbUsed,
    current_workload: 0,
    running_vms: node.runningVms,
    disk_available_least: node.localGb - node.localGbUsed,
    cpu_info: v.atLeast('2.28') ? cpuInfo(node) : JSON.stringify(cpuInfo(node)),
  };
}

/**
 * Adds the hosted servers: listed when there are some, and from 2.75 an empty list when they
 * were asked for (with_servers) and there are none.
 */
export function withServers<T extends object>(view: T, servers: HostedServer[] | undefined, v: ApiVersion) {
  if (servers === undefined) return view;
  if (servers.length === 0 && !v.atLeast('2.75')) return view;
  return { ...view, servers };
}
