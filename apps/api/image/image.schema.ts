import { IMAGE_STATUSES, IMAGE_VISIBILITIES } from '../../../entities';

/** Glance's [image_format] disk_formats and container_formats defaults: the values it accepts. */
export const DISK_FORMATS = [
  'ami',
  'ari',
  'aki',
  'vhd',
  'vhdx',
  'vmdk',
  'raw',
  'qcow2',
  'vdi',
  'iso',
  'ploop',
];
export const CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'];

const UUID_PATTERN =
  '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$';
const INT32_MAX = 2147483647;

/**
 * Glance's image schema (base properties plus the kernel_id/ramdisk_id of its default
 * schema-image.json): any other property is an extra property whose value is a string.
 */
export const imageSchema = {
  title: 'image',
  type: 'object',
  properties: {
    id: { type: 'string', pattern: UUID_PATTERN },
    name: { type: ['null', 'string'], maxLength: 255 },
    status: { type: 'string', enum: [...IMAGE_STATUSES] },
    visibility: { type: 'string', enum: [...IMAGE_VISIBILITIES] },
    protected: { type: 'boolean' },
    os_hidden: { type: 'boolean' },
    owner: { type: 'string', maxLength: 255 },
    container_format: { type: ['null', 'string'], enum: [null, ...CONTAINER_FORMATS] },
    disk_format: { type: ['null', 'string'], enum: [null, ...DISK_FORMATS] },
    tags: { type: 'array', items: { type: 'string', maxLength: 255 } },
    min_ram: { type: 'integer', minimum: 0, maximum: INT32_MAX },
    min_disk: { type: 'integer', minimum: 0, maximum: INT32_MAX },
    kernel_id: { type: ['null', 'string'], pattern: UUID_PATTERN },
    ramdisk_id: { type: ['null', 'string'], pattern: UUID_PATTERN },
  },
  additionalProperties: { type: 'string' },
} as const;
