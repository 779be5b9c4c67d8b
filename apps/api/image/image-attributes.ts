import { type Image, type ImageVisibility } from '../../../entities';
import { ApiError } from '../common/api-error';

/** What Glance computes or serves itself: a client may not set these (403). */
const READ_ONLY = new Set([
  'created_at',
  'updated_at',
  'status',
  'checksum',
  'size',
  'virtual_size',
  'os_hash_algo',
  'os_hash_value',
  'direct_url',
  'self',
  'file',
  'schema',
  'stores',
]);
/** Glance's reserved names, and its reserved `os_glance` namespace. */
const RESERVED = new Set(['location', 'locations', 'deleted', 'deleted_at']);
const RESERVED_PREFIX = 'os_glance';

/** Raises Glance's 403 when `key` is not for clients to set; `id` only at creation. */
export function checkSettable(key: string, creating: boolean): void {
  if (READ_ONLY.has(key) || (key === 'id' && !creating)) {
    throw new ApiError('forbidden', `Attribute '${key}' is read-only.`);
  }
  if (RESERVED.has(key) || key.startsWith(RESERVED_PREFIX)) {
    throw new ApiError('forbidden', `Attribute '${key}' is reserved.`);
  }
  if (key.length > 255) {
    throw new ApiError('badRequest', 'Custom property should not be greater than 255 characters.');
  }
}

/**
 * The base attributes a client may set, by Glance name, each writing its column; every other
 * settable name is an extra property. Values arrive validated against the image schema.
 */
export const WRITABLE_ATTRIBUTES: Record<string, (image: Image, value: unknown) => void> = {
  name: (image, value) => (image.name = value as string | null),
  visibility: (image, value) => (image.visibility = value as ImageVisibility),
  protected: (image, value) => (image.protected = value as boolean),
  os_hidden: (image, value) => (image.osHidden = value as boolean),
  owner: (image, value) => (image.owner = value as string),
  min_disk: (image, value) => (image.minDisk = value as number),
  min_ram: (image, value) => (image.minRam = value as number),
  disk_format: (image, value) => (image.diskFormat = value as string | null),
  container_format: (image, value) => (image.containerFormat = value as string | null),
  // Glance keeps tags as a set.
  tags: (image, value) => (image.tags = [...new Set(value as string[])]),
};

export const isBaseAttribute = (key: string) => Object.hasOwn(WRITABLE_ATTRIBUTES, key);

/** Sets an extra property as an own key, whatever its name (even "__proto__"). */
export function setProperty(image: Image, key: string, value: unknown): void {
  Object.defineProperty(image.properties, key, {
    value: value as string | null,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}
