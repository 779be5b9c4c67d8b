import { createHash } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { instanceName } from '../../../../common/compute/instance-name';
import { apiStatus } from '../../../../common/compute/instance-states';
import { type Instance, type InstanceFault } from '../../../../entities';
import { resourceLinks } from '../links';
import { type ApiVersion } from '../microversion';
import { isoMicros, isoSeconds } from '../timestamps';

/**
 * The instance properties no server view shows: lists leave their columns out, so the driver
 * parses none of them (request_spec is a JSON document). A view that reads one fails to compile.
 */
export const UNVIEWED_PROPERTIES = [
  'requestSpec',
  'keyData',
  'taskId',
  'requestedAvailabilityZone',
  'lockedBy',
  'deletedAt',
] as const;

/** An instance as a server view reads it. */
export type ViewedInstance = Omit<Instance, (typeof UNVIEWED_PROPERTIES)[number]>;

/** What a server view needs besides the instance row, loaded in batches for lists. */
export interface ServerExtras {
  metadata: Record<string, string>;
  addresses: Record<string, unknown[]>;
  fault?: InstanceFault;
  /** UP, DOWN, MAINTENANCE or UNKNOWN of the instance's host service; '' when it has none. */
  hostStatus: string;
  serverGroups: string[];
  /** The server's tags (2.26), in tag order. */
  tags: string[];
  /** Names (or ids, for unnamed groups) of the groups of the instance's ports, each once. */
  securityGroups: string[];
}

export interface ViewContext {
  version: ApiVersion;
  isAdmin: boolean;
  publicUrl: string;
  instanceNameTemplate: string;
}

/** Statuses whose servers show `progress`, as Nova's view builder lists them. */
const PROGRESS_STATUSES = ['ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING'];

/** Nova's hostId: an opaque per-project digest of the host, equal for servers sharing a host. */
export function hostId(projectId: string, host: string | null): string {
  return host ? createHash('sha224').update(`${projectId}${host}`).digest('hex') : '';
}

/**
 * An address as Nova prints it: str(netaddr.IPAddress), so IPv6 lower case with the left-most
 * longest run of two or more zero groups compressed, and IPv4-mapped/-compatible tails dotted.
 */
export function canonicalIp(address: string): string {
  if (!isIPv6(address)) return address;
  const words = new URL(`http://[${address}]/`).hostname.slice(1, -1).split(':');
  const full = words.includes('')
    ? [
        ...words.slice(0, words.indexOf('')),
        ...Array<string>(8 - words.filter(Boolean).length).fill('0'),
        ...words.slice(words.lastIndexOf('') + 1),
      ]
    : words;
  const tokens = full.map((word) => parseInt(word || '0', 16).toString(16));
  const value = tokens.reduce((sum, word) => (sum << 16n) | BigInt(parseInt(word, 16)), 0n);
  if ((value > 0xffffn && value <= 0xffffffffn) || value >> 32n === 0xffffn) {
    const v4 = Number(value & 0xffffffffn);
    tokens.splice(6, 2, [24, 16, 8, 0].map((shift) => (v4 >>> shift) & 255).join('.'));
  }
  let best = { start: -1, length: 1 };
  for (let start = 0; start < tokens.length; start++) {
    let length = 0;
    while (tokens[start + length] === '0') length++;
    if (length > best.length) best = { start, length };
  }
  if (best.start < 0) return tokens.join(':');
  const head = tokens.slice(0, best.start).join(':');
  const tail = tokens.slice(best.start + best.length).join(':');
  return `${head}::${tail}`;
}

/** Nova's server JSON at a microversion, for a caller who is or is not admin. */
export class ServerView {
  constructor(private readonly context: ViewContext) {}

  /** A list's servers share few hosts: each digest once per view. */
  private readonly hostIds = new Map<string, string>();

  private hostIdOf(projectId: string, host: string | null): string {
    const key = `${projectId}\0${host ?? ''}`;
    let id = this.hostIds.get(key);
    if (id === undefined) this.hostIds.set(key, (id = hostId(projectId, host)));
    return id;
  }

  summary(instance: ViewedInstance) {
    return {
      id: instance.uuid,
      name: instance.displayName,
      links: resourceLinks(this.context.publicUrl, 'servers', instance.uuid),
    };
  }

  private flavor(instance: ViewedInstance) {
    const { flavor } = instance;
    if (this.context.version.atLeast('2.47')) {
      return {
        vcpus: flavor.vcpus,
        ram: flavor.memoryMb,
        disk: flavor.rootGb,
        ephemeral: flavor.ephemeralGb,
        swap: flavor.swap,
        original_name: flavor.name,
        extra_specs: flavor.extraSpecs,
      };
    }
    return {
      id: flavor.flavorid,
      links: [{ rel: 'bookmark', href: `${this.context.publicUrl}/compute/flavors/${flavor.flavorid}` }],
    };
  }

  private fault(fault: InstanceFault | undefined, status: string) {
    if (!fault || !['ERROR', 'DELETED'].includes(status)) return {};
    const showDetails = this.context.isAdmin || fault.code !== 500;
    return {
      fault: {
        code: fault.code,
        created: isoSeconds(fault.createdAt),
        message: fault.message,
        ...(showDetails && fault.details && { details: fault.details }),
      },
    };
  }

  detail(instance: ViewedInstance, extras: ServerExtras, options: { show: boolean }) {
    const { version, isAdmin, publicUrl } = this.context;
    const status = apiStatus(instance.vmState, instance.taskState);
    return {
      id: instance.uuid,
      name: instance.displayName,
      status,
      tenant_id: instance.projectId,
      user_id: instance.userId,
      metadata: extras.metadata,
      hostId: this.hostIdOf(instance.projectId, instance.host),
      image: instance.imageRef
        ? {
            id: instance.imageRef,
            links: [{ rel: 'bookmark', href: `${publicUrl}/compute/images/${instance.imageRef}` }],
          }
        : '',
      flavor: this.flavor(instance),
      created: isoSeconds(instance.createdAt),
      updated: isoSeconds(instance.updatedAt ?? instance.createdAt),
      addresses: extras.addresses,
      accessIPv4: instance.accessIpV4 ? canonicalIp(instance.accessIpV4) : '',
      accessIPv6: instance.accessIpV6 ? canonicalIp(instance.accessIpV6) : '',
      links: resourceLinks(publicUrl, 'servers', instance.uuid),
      'OS-DCF:diskConfig': 'MANUAL',
      ...(PROGRESS_STATUSES.includes(status) && { progress: instance.progress }),
      'OS-EXT-AZ:availability_zone': instance.availabilityZone ?? '',
      config_drive: instance.configDrive,
      key_name: instance.keyName,
      'OS-SRV-USG:launched_at': isoMicros(instance.launchedAt),
      'OS-SRV-USG:terminated_at': isoMicros(instance.terminatedAt),
      ...(isAdmin && {
        'OS-EXT-SRV-ATTR:host': instance.host,
        'OS-EXT-SRV-ATTR:instance_name': instanceName(this.context.instanceNameTemplate, instance),
        'OS-EXT-SRV-ATTR:hypervisor_hostname': instance.node,
      }),
      ...(isAdmin &&
        version.atLeast('2.3') && {
          'OS-EXT-SRV-ATTR:reservation_id': instance.reservationId,
          'OS-EXT-SRV-ATTR:launch_index': instance.launchIndex,
          'OS-EXT-SRV-ATTR:hostname': instance.hostname,
          'OS-EXT-SRV-ATTR:kernel_id': instance.kernelId,
          'OS-EXT-SRV-ATTR:ramdisk_id': instance.ramdiskId,
          'OS-EXT-SRV-ATTR:root_device_name': instance.rootDeviceName,
          'OS-EXT-SRV-ATTR:user_data': instance.userData,
        }),
      // From 2.90 everyone sees the hostname, which users may now set.
      ...(!isAdmin && version.atLeast('2.90') && { 'OS-EXT-SRV-ATTR:hostname': instance.hostname }),
      'OS-EXT-STS:task_state': instance.taskState,
      'OS-EXT-STS:vm_state': instance.vmState,
      'OS-EXT-STS:power_state': instance.powerState,
      'os-extended-volumes:volumes_attached': [],
      // As Nova's view: present only when the instance's ports are in some group.
      ...(extras.securityGroups.length > 0 && {
        security_groups: extras.securityGroups.map((name) => ({ name })),
      }),
      ...this.fault(extras.fault, status),
      ...(isAdmin && version.atLeast('2.16') && { host_status: extras.hostStatus }),
      ...(version.atLeast('2.9') && { locked: instance.locked }),
      ...(version.atLeast('2.73') && { locked_reason: instance.lockedReason }),
      ...(version.atLeast('2.19') && { description: instance.displayDescription }),
      ...(version.atLeast('2.26') && { tags: extras.tags }),
      ...(version.atLeast('2.63') && { trusted_image_certificates: null }),
      ...(options.show && version.atLeast('2.71') && { server_groups: extras.serverGroups }),
    };
  }
}
