import { type EntityManager } from 'typeorm';
import { projectLimits } from '../../../../common/compute/quotas';
import { findImageForProject } from '../../../../common/image';
import { validateRequestedNetworks } from '../../../../common/network';
import { ensureDefaultSecurityGroup } from '../../../../common/network/default-security-group';
import { ambiguousGroupMessage, findSecurityGroup } from '../../../../common/network/security-group-lookup';
import { type Config } from '../../../../common/config';
import {
  type Flavor,
  type FlavorSnapshot,
  KeyPair,
  type RequestSpec,
  type RequestedNetwork,
  ServerGroup,
} from '../../../../entities';
import { ApiError, badRequest, forbidden } from '../../common/api-error';
import { type AuthContext, isAdmin } from '../../common/auth/auth-context';
import { enforce } from '../../common/policy';
import { type FlavorsService } from '../flavors/flavors.service';
import { type ApiVersion } from '../microversion';
import { type SchedulerHints, type ServerCreateBody } from './server.schemas';
import { canonicalIp } from './server.view';

/** A create request resolved and checked against the database, ready to become instances. */
export interface BootPlan {
  name: string;
  hostname: string;
  description: string | null;
  flavor: FlavorSnapshot;
  imageRef: string;
  kernelId: string;
  ramdiskId: string;
  requestSpec: RequestSpec;
  availabilityZone: string | null;
  metadata: Record<string, string>;
  keyName: string | null;
  keyData: string | null;
  userData: string | null;
  accessIpV4: string | null;
  accessIpV6: string | null;
  configDrive: string;
  minCount: number;
  maxCount: number;
  groupUuid?: string;
  returnReservationId: boolean;
}

const GiB = 1024 ** 3;

/** The copy of a flavor an instance keeps (a later change to the flavor does not touch it). */
export function flavorSnapshot(flavor: Flavor): FlavorSnapshot {
  return {
    flavorid: flavor.flavorid,
    name: flavor.name,
    vcpus: flavor.vcpus,
    memoryMb: flavor.memoryMb,
    rootGb: flavor.rootGb,
    ephemeralGb: flavor.ephemeralGb,
    swap: flavor.swap,
    extraSpecs: Object.fromEntries((flavor.extraSpecs ?? []).map((spec) => [spec.key, spec.value])),
  };
}

/** Nova's refusal of a flavor too small for an image (boot, resize, rebuild), or undefined when it fits. */
export function flavorImageMisfit(
  flavor: Pick<FlavorSnapshot, 'memoryMb' | 'rootGb'>,
  image: { min_ram: number; min_disk: number; size: number | null },
): string | undefined {
  if (image.min_ram > flavor.memoryMb) return "Flavor's memory is too small for requested image.";
  if (flavor.rootGb > 0 && image.min_disk > flavor.rootGb)
    return `Flavor's disk is too small for requested image. Flavor disk is ${flavor.rootGb * GiB} bytes, minimum requested disk is ${image.min_disk * GiB} bytes.`;
  if (flavor.rootGb > 0 && (image.size ?? 0) > flavor.rootGb * GiB)
    return `Flavor's disk is too small for requested image. Flavor disk is ${flavor.rootGb * GiB} bytes, image is ${image.size} bytes.`;
  return undefined;
}

const truthy = (value: unknown) => value === true || ['true', 'True', '1', 'yes'].includes(String(value));
const asList = (value: string | string[] | undefined) =>
  value === undefined ? [] : ([] as string[]).concat(value);

/** Nova's hostname from a display name: lower case, letters, digits and hyphens. */
export function sanitizeHostname(name: string): string {
  const hostname = name
    .toLowerCase()
    .replace(/[ _]/g, '-')
    .replace(/[^a-z0-9.-]/g, '')
    .replace(/^[.-]+|[.-]+$/g, '')
    .slice(0, 63);
  return hostname || 'server';
}

function requestedNetworks(
  networks: ServerCreateBody['server']['networks'],
  version: ApiVersion,
): 'auto' | 'none' | RequestedNetwork[] {
  if (networks === undefined) {
    if (version.atLeast('2.37')) {
      throw badRequest(
        "Invalid input for field/attribute server. Value: networks. 'networks' is a required property",
      );
    }
    return 'auto';
  }
  if (networks === 'auto' || networks === 'none') {
    if (!version.atLeast('2.37'))
      throw badRequest(`Invalid input for field/attribute networks. Value: ${networks}.`);
    return networks;
  }
  return networks.map((network) => ({
    networkId: network.uuid,
    portId: network.port ?? undefined,
    fixedIp: network.fixed_ip,
  }));
}

/**
 * Checks a server create request as Nova's API does, in Nova's words: flavor, image, key pair,
 * networks, availability zone (az:host for admins), scheduler hints, counts and metadata.
 */
export async function resolveBootRequest(
  db: EntityManager,
  caller: AuthContext,
  body: ServerCreateBody,
  version: ApiVersion,
  flavors: FlavorsService,
  config: Config,
): Promise<BootPlan> {
  const server = body.server;
  const admin = isAdmin(caller);
  const projectId = caller.projectId!;

  const flavor = await flavors.find(caller, String(server.flavorRef), db).catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 404) throw badRequest(error.message);
    throw error;
  });
  if (flavor.disabled) throw badRequest(`Flavor ${flavor.flavorid} could not be found.`);

  if (!server.imageRef)
    throw badRequest(
      'Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.',
    );
  const image = await findImageForProject(db, server.imageRef, { projectId, isAdmin: admin });
  if (!image) throw badRequest(`Image ${server.imageRef} could not be found.`);
  if (image.status !== 'active') throw badRequest(`Image ${image.id} is not active.`);
  const misfit = flavorImageMisfit(flavor, image);
  if (misfit) throw badRequest(misfit);

  let keyData: string | null = null;
  if (server.key_name) {
    const keypair = await db
      .getRepository(KeyPair)
      .findOneBy({ userId: caller.userId, name: server.key_name });
    if (!keypair) throw badRequest('Invalid key_name provided.');
    keyData = keypair.publicKey;
  }

  const networks = requestedNetworks(server.networks, version);
  await validateRequestedNetworks(db, projectId, networks);
  const securityGroups = await resolveSecurityGroups(db, caller, server.security_groups);

  const { availabilityZone, forcedHost } = await resolveZone(db, caller, server.availability_zone, config);
  const hints: SchedulerHints = body['os:scheduler_hints'] ?? body['OS-SCH-HNT:scheduler_hints'] ?? {};
  let groupUuid: string | undefined;
  if (hints.group) {
    const group = await db.getRepository(ServerGroup).findOneBy({ uuid: hints.group });
    if (!group || (group.projectId !== projectId && !admin))
      throw badRequest(`Invalid server group ${hints.group}.`);
    groupUuid = group.uuid;
  }

  const metadata = server.metadata ?? {};
  const metadataLimit = config.quota.metadata_items;
  if (metadataLimit >= 0 && Object.keys(metadata).length > metadataLimit) {
    throw forbidden(
      `Quota exceeded for metadata_items: Requested ${Object.keys(metadata).length}, but already used 0 of ${metadataLimit} metadata_items`,
    );
  }
  await checkInjectedFiles(db, config, projectId, server.personality);
  const minCount = Number(server.min_count ?? 1);
  const maxCount = Number(server.max_count ?? minCount);
  if (maxCount < minCount) throw badRequest('min_count must be <= max_count');

  const props = Object.fromEntries(
    Object.entries(image.properties).filter((entry): entry is [string, string] => entry[1] !== null),
  );
  return {
    name: server.name,
    hostname: sanitizeHostname(server.hostname ?? server.name),
    description: version.atLeast('2.19') ? (server.description ?? null) : null,
    flavor: flavorSnapshot(flavor),
    imageRef: image.id,
    kernelId: props.kernel_id ?? '',
    ramdiskId: props.ramdisk_id ?? '',
    requestSpec: {
      image: { id: image.id, properties: props },
      networks,
      availabilityZone: availabilityZone ?? undefined,
      forcedHost,
      groupUuid,
      sameHost: asList(hints.same_host),
      differentHost: asList(hints.different_host),
      securityGroups,
    },
    availabilityZone,
    metadata,
    keyName: server.key_name ?? null,
    keyData,
    userData: server.user_data ?? null,
    // Nova stores access IPs as netaddr addresses, so they come back in canonical form.
    accessIpV4: server.accessIPv4 ? canonicalIp(server.accessIPv4) : null,
    accessIpV6: server.accessIPv6 ? canonicalIp(server.accessIPv6) : null,
    configDrive: truthy(server.config_drive) ? 'True' : '',
    minCount,
    maxCount,
    groupUuid,
    returnReservationId: truthy(server.return_reservation_id),
  };
}

/**
 * The ids of the groups a create request names (by name or id, entries without a name skipped,
 * as Nova's API does): Nova's 400 for an unknown one, 409 for an ambiguous name. None named, or
 * only `default`: undefined, so the ports join the project's default group as Neutron's do.
 */
async function resolveSecurityGroups(
  db: EntityManager,
  caller: AuthContext,
  requested: ServerCreateBody['server']['security_groups'],
): Promise<string[] | undefined> {
  const names = [...new Set((requested ?? []).map((group) => group.name).filter((name) => !!name))];
  if (names.length === 0 || (names.length === 1 && names[0] === 'default')) return undefined;
  const projectId = caller.projectId!;
  const ids: string[] = [];
  for (const name of names as string[]) {
    if (name === 'default') {
      ids.push(await ensureDefaultSecurityGroup(db, projectId));
      continue;
    }
    const found = await findSecurityGroup(db, name, { projectId, admin: isAdmin(caller) });
    if (found === 'ambiguous') throw new ApiError('conflictingRequest', ambiguousGroupMessage(name));
    if (found === 'not-found') {
      throw badRequest(`Unable to find security_group with name or id '${name}'`);
    }
    ids.push(found.id);
  }
  return [...new Set(ids)];
}

/**
 * Nova's _check_injected_file_quota on personality (before 2.57): count, then the longest path
 * and the longest (still base64) contents against the project's limits. Novaflow injects no
 * files, so an accepted personality is then ignored.
 */
async function checkInjectedFiles(
  db: EntityManager,
  config: Config,
  projectId: string,
  files: ServerCreateBody['server']['personality'],
): Promise<void> {
  if (!files || files.length === 0) return;
  const limits = await projectLimits(db, config, projectId);
  const over = (limit: number, value: number) => limit >= 0 && value > limit;
  if (over(limits.injected_files, files.length)) throw forbidden('Personality file limit exceeded');
  const longest = (values: (string | undefined)[]) => Math.max(...values.map((v) => v?.length ?? 0));
  const pathLimit = limits.injected_file_path_bytes;
  if (over(pathLimit, longest(files.map((file) => file.path)))) {
    throw forbidden(`Personality file path exceeds maximum ${pathLimit}`);
  }
  const contentLimit = limits.injected_file_content_bytes;
  if (over(contentLimit, longest(files.map((file) => file.contents)))) {
    throw forbidden(`Personality file content exceeds maximum ${contentLimit}`);
  }
}

/**
 * Nova's availability_zone: "az", "az:host" or "az:host:node"; naming a host is an admin's
 * privilege (os_compute_api:servers:create:forced_host).
 */
async function resolveZone(
  db: EntityManager,
  caller: AuthContext,
  requested: string | undefined,
  config: Config,
): Promise<{ availabilityZone: string | null; forcedHost?: string }> {
  if (!requested) return { availabilityZone: null };
  const [zone, host] = requested.split(':');
  if (host) enforce(caller, 'os_compute_api:servers:create:forced_host');
  const zones: { zone: string; host: string }[] = await db.query(
    `SELECT zone, host FROM services WHERE "binary" = 'nova-compute' AND NOT disabled`,
  );
  const knownZone = !zone || zones.some((row) => row.zone === zone);
  if (!knownZone || zone === config.DEFAULT.internal_service_availability_zone) {
    throw badRequest('The requested availability zone is not available');
  }
  if (host && !zones.some((row) => row.host === host && (!zone || row.zone === zone))) {
    throw badRequest(`Compute host ${host} could not be found.`);
  }
  return { availabilityZone: zone || null, forcedHost: host || undefined };
}
