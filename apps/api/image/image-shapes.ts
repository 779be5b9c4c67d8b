import { arr, bool, int, nullable, obj, str } from '../common/openapi-shapes';

/** The shapes of Glance's bodies (image-views.ts), for the OpenAPI document. */
export const IMAGE = {
  ...obj(
    {
      id: str,
      name: nullable(str),
      disk_format: nullable(str),
      container_format: nullable(str),
      visibility: str,
      size: nullable(int),
      virtual_size: nullable(int),
      status: str,
      checksum: nullable(str),
      protected: bool,
      min_ram: int,
      min_disk: int,
      owner: nullable(str),
      os_hidden: bool,
      os_hash_algo: nullable(str),
      os_hash_value: nullable(str),
      created_at: str,
      updated_at: str,
      tags: arr(str),
      self: str,
      file: str,
      schema: str,
    },
    ['id', 'status', 'visibility', 'self', 'file'],
  ),
  // Extra properties are flattened beside the base attributes, each a string.
  additionalProperties: true,
};

export const IMAGE_LIST = obj({ images: arr(IMAGE), first: str, next: str, schema: str }, ['images']);

export const MEMBER = obj(
  { member_id: str, image_id: str, status: str, created_at: str, updated_at: str, schema: str },
  ['member_id', 'image_id', 'status'],
);

export const MEMBER_LIST = obj({ members: arr(MEMBER), schema: str }, ['members']);

export const VERSIONS = obj(
  {
    versions: arr(obj({ id: str, status: str, links: arr(obj({ rel: str, href: str })) }, ['id', 'status'])),
  },
  ['versions'],
);
