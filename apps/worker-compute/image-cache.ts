import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathExists } from '../../common/path-exists';
import { sleep } from '../../common/sleep';
import { type ServiceSession } from './service-session';

/** How long a download waits for an image service it cannot reach (an API restarting, say). */
const UNREACHABLE_FOR_MS = 60_000;

/**
 * `request`, tried again while the image service cannot be reached at all (fetch's own
 * TypeError: refused, reset, no route), at growing intervals for up to `UNREACHABLE_FOR_MS`.
 * An answer, even an error status, is the service's word and is not retried here.
 */
async function whenReachable<T>(request: () => Promise<T>): Promise<T> {
  const giveUpAt = Date.now() + UNREACHABLE_FOR_MS;
  for (let waitMs = 250; ; waitMs = Math.min(waitMs * 2, 5000)) {
    try {
      return await request();
    } catch (error) {
      if (!(error instanceof TypeError) || Date.now() + waitMs > giveUpAt) throw error;
      await sleep(waitMs);
    }
  }
}

/**
 * The host's image cache (Nova's instances_path/_base): image data fetched over HTTP from the
 * image service with the service token, checked against the image's sha512, kept for later
 * guests. Concurrent requests for one image share one download.
 */
export class ImageCache {
  private readonly downloads = new Map<string, Promise<string>>();

  constructor(
    private readonly directory: string,
    private readonly session: ServiceSession,
  ) {}

  pathOf(imageId: string): string {
    return join(this.directory, imageId);
  }

  /** The local path of the image's data, downloading it first when it is not cached yet. */
  fetch(imageId: string): Promise<string> {
    let download = this.downloads.get(imageId);
    if (!download) {
      download = this.ensure(imageId).finally(() => this.downloads.delete(imageId));
      this.downloads.set(imageId, download);
    }
    return download;
  }

  private async ensure(imageId: string): Promise<string> {
    const path = this.pathOf(imageId);
    if (await pathExists(path)) return path;
    await mkdir(this.directory, { recursive: true });
    const { base, headers, meta } = await whenReachable(async () => {
      const [base, token] = await Promise.all([this.session.endpoint('image'), this.session.token()]);
      const headers = { 'x-auth-token': token };
      return { base, headers, meta: await fetch(`${base}/v2/images/${imageId}`, { headers }) };
    });
    if (!meta.ok) throw new Error(`image ${imageId}: HTTP ${meta.status} from the image service`);
    const image = (await meta.json()) as { status: string; os_hash_algo?: string; os_hash_value?: string };
    if (image.status !== 'active') throw new Error(`image ${imageId} is ${image.status}, not active`);
    const data = await fetch(`${base}/v2/images/${imageId}/file`, { headers });
    if (data.status !== 200 || !data.body) throw new Error(`image ${imageId} data: HTTP ${data.status}`);

    const partial = `${path}.${process.pid}.part`;
    const hash = createHash(image.os_hash_algo || 'sha512');
    const body = Readable.fromWeb(data.body as import('node:stream/web').ReadableStream);
    body.on('data', (chunk: Buffer) => hash.update(chunk));
    try {
      await pipeline(body, createWriteStream(partial));
      const digest = hash.digest('hex');
      if (image.os_hash_value && digest !== image.os_hash_value) {
        throw new Error(`image ${imageId} data does not match its ${image.os_hash_algo} hash`);
      }
      await rename(partial, path);
    } finally {
      await rm(partial, { force: true });
    }
    return path;
  }
}
