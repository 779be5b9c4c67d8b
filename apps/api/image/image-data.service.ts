import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable } from '@nestjs/common';
import { type Request, type Response } from 'express';
import { type Settings } from '../../../common/config';
import { type Logger } from '../../../common/logger';
import { type Image } from '../../../entities';
import { ApiError } from '../common/api-error';
import { type AuthContext } from '../common/auth/auth-context';
import { enforce } from '../common/policy';
import { LOGGER, SETTINGS } from '../settings.module';
import { imageCaller, imageReader, ownerTarget } from './image-caller';
import { ImageRepository } from './image-repository';
import { ImageStore, ImageTooLargeError, type StagedImageData } from './image-store';
import { qcow2VirtualSize } from './qcow2';

/** Glance's virtual_size where Novaflow can read it: raw data is its own disk, qcow2 says it. */
function virtualSize(image: Image, staged: StagedImageData): number | null {
  if (image.diskFormat === 'raw') return staged.size;
  if (image.diskFormat === 'qcow2') return qcow2VirtualSize(staged.head) ?? null;
  return null;
}

/** Glance saves data only for an image whose disk and container formats are known (400 otherwise). */
function requireFormats(image: Image): void {
  const missing = [
    ['disk_format', image.diskFormat],
    ['container_format', image.containerFormat],
  ].flatMap(([name, value]) => (value ? [] : [name]));
  if (missing.length === 0) return;
  const what = missing.length === 1 ? 'Property' : 'Properties';
  throw new ApiError('badRequest', `${what} ${missing.join(', ')} must be set prior to saving data.`);
}

const CLIENT_GONE = new Set(['ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE']);
const clientWentAway = (error: unknown) => CLIENT_GONE.has((error as NodeJS.ErrnoException)?.code ?? '');

/**
 * Image data, as Glance's /v2/images/{id}/file: an upload moves the image queued → saving →
 * active, streaming to the store while measuring and hashing; a failed upload returns the image
 * to queued and keeps nothing (one cut by a crash too, once its lease runs out: see
 * UploadRecovery). A download streams the data back.
 */
@Injectable()
export class ImageDataService {
  constructor(
    private readonly repo: ImageRepository,
    private readonly store: ImageStore,
    @Inject(SETTINGS) private readonly settings: Settings,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async upload(auth: AuthContext, id: string, req: Request): Promise<void> {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (contentType !== 'application/octet-stream') {
      throw new ApiError('unsupportedMediaType', `Invalid content type ${contentType || 'None'}`);
    }
    const declaredSize = this.declaredSize(req);
    const image = await this.repo.visible(imageCaller(auth), id);
    enforce(auth, 'image:write', ownerTarget(image.owner));
    const sizeCap = this.settings.config.DEFAULT.image_size_cap;
    if (declaredSize !== undefined && declaredSize > sizeCap) throw this.tooLarge();
    requireFormats(image);
    // The one conditional update that lets exactly one upload write this image's data.
    const lease = this.settings.config.DEFAULT.image_upload_lease;
    if (!(await this.repo.startUpload(image.id, lease))) {
      const current = await this.repo.visible(imageCaller(auth), image.id);
      throw new ApiError(
        'conflictingRequest',
        `Image status transition from ${current.status} to saving is not allowed`,
      );
    }
    // Renewed while the data streams in, so that only an upload that died loses the image.
    const heartbeat = setInterval(
      () =>
        void this.repo
          .renewUpload(image.id, lease)
          .catch((error: unknown) =>
            this.logger.warn({ err: error, imageId: image.id }, 'could not renew an upload lease'),
          ),
      (lease * 1000) / 3,
    );
    try {
      const staged = await this.receive(image, req, sizeCap);
      await this.activate(image, staged);
    } finally {
      clearInterval(heartbeat);
    }
  }

  /** Streams the body into the store; on failure the image is queued again and nothing is kept. */
  private async receive(image: Image, req: Request, sizeCap: number): Promise<StagedImageData> {
    try {
      // Not destroying the request when we stop reading lets the client still read our answer.
      const body = req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
      return await this.store.stage(image.id, body, sizeCap);
    } catch (error) {
      await this.repo.moveStatus(image.id, 'saving', { status: 'queued', uploadLeaseUntil: null });
      if (error instanceof ImageTooLargeError) {
        req.resume(); // drop the rest of the body
        throw this.tooLarge(error);
      }
      if (clientWentAway(error)) {
        throw new ApiError('badRequest', 'The upload ended before all image data arrived.');
      }
      throw error;
    }
  }

  /** Puts the staged data in place and the image in `active`, unless it was deleted meanwhile (410). */
  private async activate(image: Image, staged: StagedImageData): Promise<void> {
    let activated: boolean;
    try {
      await this.store.commit(image.id, staged);
      activated = await this.repo.moveStatus(image.id, 'saving', {
        status: 'active',
        size: staged.size,
        virtualSize: virtualSize(image, staged),
        checksum: staged.md5,
        osHashAlgo: 'sha512',
        osHashValue: staged.sha512,
        uploadLeaseUntil: null,
      });
    } catch (error) {
      await rm(staged.stagingPath, { force: true });
      await this.store.remove(image.id);
      await this.repo
        .moveStatus(image.id, 'saving', { status: 'queued', uploadLeaseUntil: null })
        .catch(() => undefined);
      throw error;
    }
    if (activated) return;
    await this.store.remove(image.id);
    throw new ApiError(
      'gone',
      `Image ${image.id} could not be found after upload. The image may have been deleted during the upload, cleaning up the chunks uploaded.`,
    );
  }

  /** Streams the image's data; 204 when it has none, as Glance answers for a queued image. */
  async download(auth: AuthContext, id: string, res: Response): Promise<void> {
    enforce(auth, 'image:download_image');
    const image = await this.repo.visible(imageReader(auth), id);
    const data = image.status === 'active' ? await this.store.read(image.id) : undefined;
    if (!data) {
      if (image.status === 'active')
        this.logger.warn({ imageId: image.id }, 'active image has no data in this store');
      res.status(204).end();
      return;
    }
    res.status(200);
    res.setHeader('Content-Type', 'application/octet-stream');
    res.setHeader('Content-Length', String(data.size));
    if (image.checksum) res.setHeader('Content-MD5', image.checksum);
    try {
      await pipeline(data.stream, res);
    } catch (error) {
      if (!clientWentAway(error)) throw error;
    }
  }

  /** x-openstack-image-size, else Content-Length: what the client says it will send. */
  private declaredSize(req: Request): number | undefined {
    const text = req.headers['x-openstack-image-size'] ?? req.headers['content-length'];
    if (text === undefined) return undefined;
    if (!/^\s*\d+\s*$/.test(String(text))) {
      throw new ApiError('badRequest', 'Invalid or missing image size in request headers.');
    }
    return Number(text);
  }

  private tooLarge(cause = new ImageTooLargeError()): ApiError {
    return new ApiError('overLimit', `The incoming image is too large: ${cause.message}`);
  }
}
