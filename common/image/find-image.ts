import { type DataSource, type EntityManager } from 'typeorm';
import { type ImageStatus } from '../../entities';
import { type ImageCaller, isImageId, visibleImageQuery } from './visibility';

/** What booting a server needs to know about its image, in Glance's field names. */
export interface BootImage {
  id: string;
  name: string | null;
  status: ImageStatus;
  disk_format: string | null;
  container_format: string | null;
  min_disk: number;
  min_ram: number;
  size: number | null;
  virtual_size: number | null;
  owner: string | null;
  /** Extra properties: kernel_id, ramdisk_id, hw_*, os_*, ... */
  properties: Record<string, string | null>;
}

/**
 * The image `imageId` as the caller's project may see it (any status, never a deleted one), or
 * undefined when there is no such image or the project may not see it.
 */
export async function findImageForProject(
  db: EntityManager | DataSource,
  imageId: string,
  caller: ImageCaller,
): Promise<BootImage | undefined> {
  if (!isImageId(imageId)) return undefined;
  const image = await visibleImageQuery(db, imageId, caller).getOne();
  if (!image) return undefined;
  return {
    id: image.id,
    name: image.name,
    status: image.status,
    disk_format: image.diskFormat,
    container_format: image.containerFormat,
    min_disk: image.minDisk,
    min_ram: image.minRam,
    size: image.size,
    virtual_size: image.virtualSize,
    owner: image.owner,
    properties: image.properties,
  };
}
