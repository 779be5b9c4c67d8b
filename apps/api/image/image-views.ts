import { type Image, type ImageMember } from '../../../entities';

/** Glance's timestamps: ISO 8601 in UTC to the second, e.g. 2026-11-22T17:54:01Z. */
export const glanceTime = (date: Date) => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Glance's links are paths relative to the image endpoint's root, as clients expect them. */
export const imagePath = (id: string) => `/v2/images/${id}`;

/** Glance's JSON of an image: extra properties flattened at top level, then the base attributes. */
export function imageView(image: Image) {
  return {
    ...image.properties,
    name: image.name,
    disk_format: image.diskFormat,
    container_format: image.containerFormat,
    visibility: image.visibility,
    size: image.size,
    virtual_size: image.virtualSize,
    status: image.status,
    checksum: image.checksum,
    protected: image.protected,
    min_ram: image.minRam,
    min_disk: image.minDisk,
    owner: image.owner,
    os_hidden: image.osHidden,
    os_hash_algo: image.osHashAlgo,
    os_hash_value: image.osHashValue,
    id: image.id,
    created_at: glanceTime(image.createdAt),
    updated_at: glanceTime(image.updatedAt),
    tags: image.tags,
    self: imagePath(image.id),
    file: `${imagePath(image.id)}/file`,
    schema: '/v2/schemas/image',
  };
}

export function memberView(member: ImageMember) {
  return {
    member_id: member.member,
    image_id: member.imageId,
    status: member.status,
    created_at: glanceTime(member.createdAt),
    updated_at: glanceTime(member.updatedAt),
    schema: '/v2/schemas/member',
  };
}
