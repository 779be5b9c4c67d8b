import { Column, Entity, PrimaryColumn, type ValueTransformer } from 'typeorm';

/** Glance's image statuses; Novaflow moves images through queued → saving → active, and deleted. */
export const IMAGE_STATUSES = [
  'queued',
  'saving',
  'active',
  'killed',
  'deleted',
  'pending_delete',
  'deactivated',
  'uploading',
  'importing',
] as const;
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

export const IMAGE_VISIBILITIES = ['community', 'public', 'private', 'shared'] as const;
export type ImageVisibility = (typeof IMAGE_VISIBILITIES)[number];

export const MEMBER_STATUSES = ['pending', 'accepted', 'rejected'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

/** PostgreSQL returns bigint as a string; image sizes (at most Glance's 1 TiB cap) fit a JS number. */
const bigintAsNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

/** A Glance v2 image. Deleted images keep their row (deleted_at) as Glance's soft delete does. */
@Entity('images')
export class Image {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('varchar', { length: 255, nullable: true })
  name!: string | null;

  @Column('varchar', { length: 30 })
  status!: ImageStatus;

  @Column('varchar', { length: 9 })
  visibility!: ImageVisibility;

  @Column('boolean', { default: false })
  protected!: boolean;

  @Column('boolean', { name: 'os_hidden', default: false })
  osHidden!: boolean;

  /** The project owning the image. */
  @Column('varchar', { length: 255, nullable: true })
  owner!: string | null;

  @Column('varchar', { name: 'disk_format', length: 20, nullable: true })
  diskFormat!: string | null;

  @Column('varchar', { name: 'container_format', length: 20, nullable: true })
  containerFormat!: string | null;

  @Column('bigint', { nullable: true, transformer: bigintAsNumber })
  size!: number | null;

  @Column('bigint', { name: 'virtual_size', nullable: true, transformer: bigintAsNumber })
  virtualSize!: number | null;

  /** md5 hex digest of the data, as Glance's `checksum`. */
  @Column('varchar', { length: 32, nullable: true })
  checksum!: string | null;

  @Column('varchar', { name: 'os_hash_algo', length: 64, nullable: true })
  osHashAlgo!: string | null;

  @Column('varchar', { name: 'os_hash_value', length: 128, nullable: true })
  osHashValue!: string | null;

  @Column('integer', { name: 'min_disk', default: 0 })
  minDisk!: number;

  @Column('integer', { name: 'min_ram', default: 0 })
  minRam!: number;

  /** Glance's extra properties (kernel_id, ramdisk_id, os_distro, hw_*, ...): string values, null allowed. */
  @Column('jsonb', { default: {} })
  properties!: Record<string, string | null>;

  @Column('jsonb', { default: [] })
  tags!: string[];

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;

  @Column('timestamptz', { name: 'deleted_at', nullable: true })
  deletedAt!: Date | null;

  /** While `saving`: until when the upload writing the data holds the image (renewed as it goes). */
  @Column('timestamptz', { name: 'upload_lease_until', nullable: true })
  uploadLeaseUntil!: Date | null;
}

/** A project an image is shared with, and whether that project accepted it. */
@Entity('image_members')
export class ImageMember {
  @PrimaryColumn('uuid', { name: 'image_id' })
  imageId!: string;

  @PrimaryColumn('varchar', { length: 255 })
  member!: string;

  @Column('varchar', { length: 20 })
  status!: MemberStatus;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at' })
  updatedAt!: Date;
}
