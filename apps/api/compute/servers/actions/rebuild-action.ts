import { randomBytes } from 'node:crypto';
import { type EntityManager } from 'typeorm';
import { projectLimits } from '../../../../../common/compute/quotas';
import { type Config } from '../../../../../common/config';
import { findImageForProject } from '../../../../../common/image';
import { Instance, InstanceMetadata, KeyPair } from '../../../../../entities';
import { badRequest, forbidden } from '../../../common/api-error';
import { type AuthContext, isAdmin } from '../../../common/auth/auth-context';
import { allowed } from '../../../common/policy';
import { flavorImageMisfit } from '../boot-request';
import { updateView } from '../server-update-view';
import { canonicalIp, ServerView } from '../server.view';
import { type RebuildValue } from './rebuild-schemas';
import { type ActionRequest, type ActionServices } from './server-action';

const TRUE_STRINGS = ['true', '1', 'on', 'yes'];
/** oslo's bool_from_string(strict=True) on a value the schema already narrowed to its spellings. */
const isTrue = (value: boolean | string | undefined) =>
  value === true || (typeof value === 'string' && TRUE_STRINGS.includes(value.toLowerCase()));

/**
 * Nova's compute API rebuild, after its lock and state checks (the claim's): the key pair, the
 * image and the flavor's fit, the metadata quota, then the instance written as the rebuild will
 * build it. Returns what the workflow needs beyond its operation input.
 */
async function applyRebuild(
  db: EntityManager,
  config: Config,
  { caller, instance, value, version }: ActionRequest<RebuildValue>,
): Promise<Record<string, unknown>> {
  const row = await db.getRepository(Instance).findOneByOrFail({ uuid: instance.uuid });
  const changes: Partial<Instance> = {};

  if (version.atLeast('2.54') && value.key_name !== undefined) {
    // The caller's key pair, not the owner's: users own keys, projects own servers (as Nova).
    const keypair = value.key_name
      ? await db.getRepository(KeyPair).findOneBy({ userId: caller.userId, name: value.key_name })
      : null;
    if (value.key_name && !keypair) throw badRequest('Invalid key_name provided.');
    changes.keyName = keypair?.name ?? null;
    changes.keyData = keypair?.publicKey ?? null;
  }
  // trusted_image_certificates (2.63) is accepted and not kept: no image signature verification here.
  if (version.atLeast('2.90') && value.hostname !== undefined) changes.hostname = value.hostname;

  const image = await findImageForProject(db, value.imageRef, {
    projectId: caller.projectId,
    isAdmin: isAdmin(caller),
  });
  if (!image) throw badRequest('Cannot find image for rebuild');
  if (
    value['OS-DCF:diskConfig'] === 'AUTO' &&
    image.properties.auto_disk_config?.trim().toLowerCase() === 'disabled'
  )
    throw badRequest(`Requested image ${image.id} has automatic disk resize disabled.`);

  const metadataCount = Object.keys(value.metadata ?? {}).length;
  const metadataLimit = (await projectLimits(db, config, row.projectId)).metadata_items;
  if (metadataLimit >= 0 && metadataCount > metadataLimit)
    throw forbidden(`Maximum number of metadata items exceeds ${metadataLimit}`);
  if (image.status !== 'active') throw badRequest(`Image ${image.id} is not active.`);
  const misfit = flavorImageMisfit(row.flavor, image);
  if (misfit) throw badRequest(misfit);

  const properties = Object.fromEntries(
    Object.entries(image.properties).filter((entry): entry is [string, string] => entry[1] !== null),
  );
  Object.assign(changes, {
    imageRef: image.id,
    requestSpec: { ...row.requestSpec, image: { id: image.id, properties } },
    kernelId: properties.kernel_id ?? '',
    ramdiskId: properties.ramdisk_id ?? '',
    progress: 0,
    updatedAt: new Date(),
    ...(value.name !== undefined && { displayName: value.name.trim() }),
    ...(version.atLeast('2.19') &&
      value.description !== undefined && { displayDescription: value.description }),
    ...(value.accessIPv4 !== undefined && { accessIpV4: canonicalIp(value.accessIPv4) }),
    ...(value.accessIPv6 !== undefined && { accessIpV6: canonicalIp(value.accessIPv6) }),
    ...(version.atLeast('2.57') && value.user_data !== undefined && { userData: value.user_data }),
  });
  await db.getRepository(Instance).update({ uuid: row.uuid }, changes);
  if (value.metadata !== undefined) {
    await db.getRepository(InstanceMetadata).delete({ instanceUuid: row.uuid });
    const rows = Object.entries(value.metadata).map(([key, item]) => ({
      instanceUuid: row.uuid,
      key,
      value: item,
    }));
    if (rows.length > 0) await db.getRepository(InstanceMetadata).insert(rows);
  }

  return {
    // Only a new image goes through the scheduler's filters (Nova: orig_image_ref != image_href).
    ...(row.imageRef !== image.id && { origImage: row.requestSpec.image }),
    ...(isTrue(value.preserve_ephemeral) && { preserveEphemeral: true }),
  };
}

/** The server as Nova answers a rebuild: the rebuild view before 2.75, as GET shows it from then on. */
async function rebuildAnswer(
  services: ActionServices,
  caller: AuthContext,
  { instance, version }: ActionRequest<RebuildValue>,
  adminPass: string,
): Promise<object> {
  const { reader, settings } = services;
  const rebuilt = await reader.find(caller, instance.uuid);
  const extras = (await reader.extras([rebuilt])).get(rebuilt.uuid)!;
  const full: Record<string, unknown> = new ServerView({
    version,
    isAdmin: allowed(caller, 'os_compute_api:os-extended-server-attributes'),
    publicUrl: settings.env.publicUrl,
    instanceNameTemplate: settings.config.DEFAULT.instance_name_template,
  }).detail(rebuilt, extras, { show: true });
  // Nova's view leaves user_data out here (show_user_data=False) and adds it at the top from 2.57.
  delete full['OS-EXT-SRV-ATTR:user_data'];
  const server: Record<string, unknown> = version.atLeast('2.75')
    ? full
    : { ...updateView(full), ...(version.atLeast('2.54') && { key_name: rebuilt.keyName }) };
  return {
    server: {
      ...server,
      adminPass,
      ...(version.atLeast('2.57') && { user_data: rebuilt.userData }),
    },
  };
}

/**
 * POST /servers/{id}/action {"rebuild": ...} (Nova's _action_rebuild): the claim (lock, then
 * state: Nova's 409s), the request's checks and the instance's new attributes in the claim's
 * transaction, then the rebuild workflow; 202 with the server.
 */
export async function rebuildServer(
  services: ActionServices,
  request: ActionRequest<RebuildValue>,
): Promise<object> {
  const { caller, instance, value, requestId } = request;
  // As server create: the password asked for, else one made up (Nova's enable_instance_password).
  const adminPass = value.adminPass ?? randomBytes(9).toString('base64url').slice(0, 12);
  await services.launcher.run(caller, 'rebuild', instance, requestId, {}, (db) =>
    applyRebuild(db, services.settings.config, request),
  );
  return rebuildAnswer(services, caller, request, adminPass);
}
