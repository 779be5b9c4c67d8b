import { Inject, Injectable } from '@nestjs/common';
import { type Image } from '../../../entities';
import { type Logger } from '../../../common/logger';
import { ApiError } from '../common/api-error';
import { type AuthContext, isAdmin } from '../common/auth/auth-context';
import { enforce } from '../common/policy';
import { validateBody } from '../common/validation';
import { LOGGER } from '../settings.module';
import { imageCaller, imageReader, ownerTarget } from './image-caller';
import { type ImageListQuery } from './image-list-query';
import { applyImagePatch, type ImageChange } from './image-patch';
import { ImageRepository } from './image-repository';
import { ImageStore } from './image-store';
import { imageSchema } from './image.schema';
import { newImage } from './new-image';

/** Glance's image lifecycle without the data: create, read, change, delete, tag. */
@Injectable()
export class ImagesService {
  constructor(
    private readonly repo: ImageRepository,
    private readonly store: ImageStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** One page and whether another may follow (a full page, as Glance judges it). */
  async list(auth: AuthContext, query: ImageListQuery): Promise<{ images: Image[]; nextMarker?: string }> {
    enforce(auth, 'image:get');
    const images = await this.repo.list(imageCaller(auth), query);
    const full = images.length > 0 && images.length === query.limit;
    return { images, nextMarker: full ? images[images.length - 1].id : undefined };
  }

  show(auth: AuthContext, id: string): Promise<Image> {
    enforce(auth, 'image:get_image');
    return this.repo.visible(imageReader(auth), id);
  }

  async create(auth: AuthContext, body: unknown): Promise<Image> {
    const image = newImage(body, auth.projectId);
    enforce(auth, 'image:write', ownerTarget(image.owner));
    if (image.visibility === 'public') enforce(auth, 'image:publicize');
    await this.repo.insert(image);
    return image;
  }

  /** Applies a JSON patch under the image's row lock, with Glance's rules on who changes what. */
  update(auth: AuthContext, id: string, changes: ImageChange[]): Promise<Image> {
    return this.change(auth, id, (image) => {
      const before = { ...image };
      applyImagePatch(image, changes);
      if (image.visibility === 'public' && before.visibility !== 'public') enforce(auth, 'image:publicize');
      if (image.owner !== before.owner && !isAdmin(auth)) {
        throw new ApiError('forbidden', "Owner can't be updated by non admin.");
      }
      for (const [attribute, field] of [
        ['disk_format', 'diskFormat'],
        ['container_format', 'containerFormat'],
      ] as const) {
        if (image[field] !== before[field] && image.status !== 'queued') {
          throw new ApiError('forbidden', `Attribute ${attribute} can be only replaced for a queued image.`);
        }
      }
    });
  }

  addTag(auth: AuthContext, id: string, tag: string): Promise<Image> {
    validateBody(imageSchema, { tags: [tag] }, 'glance');
    return this.change(auth, id, (image) => {
      if (!image.tags.includes(tag)) image.tags = [...image.tags, tag];
    });
  }

  removeTag(auth: AuthContext, id: string, tag: string): Promise<Image> {
    return this.change(auth, id, (image) => {
      if (!image.tags.includes(tag)) throw new ApiError('itemNotFound', 'The resource could not be found.');
      image.tags = image.tags.filter((existing) => existing !== tag);
    });
  }

  /** Soft-deletes the image, then removes its data; a protected image stays (403). */
  async delete(auth: AuthContext, id: string): Promise<void> {
    const imageId = await this.repo.dataSource.transaction(async (db) => {
      const image = await this.repo.visible(imageCaller(auth), id, { db, lock: true });
      enforce(auth, 'image:write', ownerTarget(image.owner));
      if (image.protected) {
        throw new ApiError('forbidden', `Image ${image.id} is protected and cannot be deleted.`);
      }
      await this.repo.markDeleted(db, image.id);
      return image.id;
    });
    await this.store.remove(imageId).catch((error: unknown) =>
      // The image is gone for clients; a file left behind is only disk space.
      this.logger.warn({ err: error, imageId }, 'could not remove the data of a deleted image'),
    );
  }

  /** Runs `mutate` on the image under its row lock and saves what clients may change. */
  private change(auth: AuthContext, id: string, mutate: (image: Image) => void): Promise<Image> {
    return this.repo.dataSource.transaction(async (db) => {
      const image = await this.repo.visible(imageCaller(auth), id, { db, lock: true });
      enforce(auth, 'image:write', ownerTarget(image.owner));
      mutate(image);
      await this.repo.saveAttributes(db, image);
      return image;
    });
  }
}
