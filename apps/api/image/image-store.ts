import { createHash, randomBytes } from 'node:crypto';
import { type ReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

const STAGING_NAME = /^\.([0-9a-f-]{36})\.[0-9a-f]+\.staging$/;

/** How much of the data's start is kept to read a disk format's header (a qcow2 header is 104 bytes). */
const HEAD_BYTES = 512;

/** The data went beyond the size cap; nothing of it was kept. */
export class ImageTooLargeError extends Error {
  constructor() {
    super('The provided image is too large.'); // Glance's ImageSizeLimitExceeded
  }
}

/** Data written to a staging file and measured, not yet the image's. */
export interface StagedImageData {
  readonly stagingPath: string;
  readonly size: number;
  /** md5 hex digest: Glance's `checksum`. */
  readonly md5: string;
  /** sha512 hex digest: Glance's `os_hash_value` (os_hash_algo sha512). */
  readonly sha512: string;
  /** The first bytes of the data. */
  readonly head: Buffer;
}

/** Writes all of `chunk`, however many calls the file system takes. */
async function writeAll(file: FileHandle, chunk: Buffer): Promise<void> {
  for (let written = 0; written < chunk.length;) {
    written += (await file.write(chunk, written)).bytesWritten;
  }
}

/**
 * Glance's file store: image <id>'s data is the file <root>/<id>. Data is streamed into a staging
 * file next to it, measured and hashed on the way, and renamed into place only when complete, so
 * a reader never sees part of an image.
 */
export class ImageStore {
  constructor(readonly root: string) {}

  path(imageId: string): string {
    return join(this.root, imageId);
  }

  /** Streams `data` into a staging file; beyond `sizeCap` bytes, or on any error, removes it and throws. */
  async stage(
    imageId: string,
    data: AsyncIterable<Buffer> | Iterable<Buffer>,
    sizeCap: number,
  ): Promise<StagedImageData> {
    await mkdir(this.root, { recursive: true });
    const stagingPath = join(this.root, `.${imageId}.${randomBytes(6).toString('hex')}.staging`);
    const md5 = createHash('md5');
    const sha512 = createHash('sha512');
    let size = 0;
    let head = Buffer.alloc(0);
    const file = await open(stagingPath, 'wx');
    try {
      for await (const chunk of data) {
        size += chunk.length;
        if (size > sizeCap) throw new ImageTooLargeError();
        md5.update(chunk);
        sha512.update(chunk);
        if (head.length < HEAD_BYTES)
          head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
        await writeAll(file, chunk);
      }
      await file.sync();
    } catch (error) {
      await file.close().catch(() => undefined);
      await rm(stagingPath, { force: true });
      throw error;
    }
    await file.close();
    return { stagingPath, size, md5: md5.digest('hex'), sha512: sha512.digest('hex'), head };
  }

  /** Makes staged data the data of image `imageId` (an atomic rename). */
  async commit(imageId: string, staged: StagedImageData): Promise<void> {
    await rename(staged.stagingPath, this.path(imageId));
  }

  /** The data of image `imageId` as a stream with its length, or undefined when the store has none. */
  async read(imageId: string): Promise<{ stream: ReadStream; size: number } | undefined> {
    let file: FileHandle;
    try {
      file = await open(this.path(imageId), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const { size } = await file.stat();
      return { stream: file.createReadStream(), size };
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  async has(imageId: string): Promise<boolean> {
    return stat(this.path(imageId)).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false;
        throw error;
      },
    );
  }

  async remove(imageId: string): Promise<void> {
    await rm(this.path(imageId), { force: true });
  }

  /** The staging files in the store (uploads in progress, or cut by a crash), by image id. */
  async stagingFiles(): Promise<{ imageId: string; path: string }[]> {
    const names = await readdir(this.root).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [] as string[];
      throw error;
    });
    return names.flatMap((name) => {
      const match = STAGING_NAME.exec(name);
      return match ? [{ imageId: match[1], path: join(this.root, name) }] : [];
    });
  }
}
