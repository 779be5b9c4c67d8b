import { randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient, DEMO } from '../support/api-client';
import { TestStack, waitFor } from '../support/stack';

const LEASE = 2;
const OCTETS = { 'content-type': 'application/octet-stream' };

/** A request body that sends one chunk, then waits for `release` before it ends. */
function stalledBody() {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent === 1) await released;
      if (sent === 2) return controller.close();
      sent++;
      controller.enqueue(randomBytes(64 * 1024));
    },
  });
  return { stream, release };
}

/**
 * An upload cut by a crash of its API process leaves its image in `saving`; once its lease
 * ([DEFAULT] image_upload_lease) runs out, an API process puts it back in `queued` (as Glance
 * after a failed upload) and removes its staging file, while an upload that is alive in another
 * API process keeps its image.
 */
describe('images left in saving by a crash', () => {
  let stack: TestStack;
  let demo: ApiClient;

  beforeAll(async () => {
    stack = await TestStack.start({ conductor: false, config: `[DEFAULT]\nimage_upload_lease = ${LEASE}\n` });
    await stack.waitForApi();
    demo = await ApiClient.login(stack.apiUrl, DEMO);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const stagingFiles = () => {
    try {
      return readdirSync(join(stack.workDir, 'images')).filter((name) => name.endsWith('.staging'));
    } catch {
      return [];
    }
  };
  const statusOf = async (client: ApiClient, id: string) =>
    (await client.get(`/image/v2/images/${id}`)).body.status as string;
  const newImage = async () =>
    (await demo.post('/image/v2/images', { name: 'cut', disk_format: 'raw', container_format: 'bare' })).body
      .id as string;
  const upload = (client: ApiClient, id: string, body: ReadableStream<Uint8Array> | Buffer) =>
    client.request('PUT', `/image/v2/images/${id}/file`, {
      rawBody: body as RequestInit['body'],
      headers: OCTETS,
    });

  it('queues the image again after its API process was killed mid-upload, and takes a new upload', async () => {
    const id = await newImage();
    const body = stalledBody();
    const cut = upload(demo, id, body.stream).then(
      () => 'answered',
      () => 'cut',
    );
    await waitFor(
      async () => (await statusOf(demo, id)) === 'saving' && stagingFiles().length === 1,
      30_000,
      'the upload to be saving',
    );

    await stack.restart('api', { kill: true });
    expect(await cut).toBe('cut');
    await stack.waitForApi();
    await waitFor(
      async () => (await statusOf(demo, id)) === 'queued' && stagingFiles().length === 0,
      30_000,
      'the image to be queued again without staged data',
    );
    body.release();

    const data = randomBytes(4096);
    expect((await upload(demo, id, data)).status).toBe(204);
    const image = (await demo.get(`/image/v2/images/${id}`)).body;
    expect(image).toMatchObject({ status: 'active', size: data.length });
    expect((await demo.request('GET', `/image/v2/images/${id}/file`)).text).toBe(data.toString());
  });

  it('leaves alone an upload that is alive in another API process', async () => {
    const otherUrl = await stack.startExtraApi('api-2');
    await waitFor(
      async () => (await fetch(`${otherUrl}/healthz`).catch(() => undefined)) !== undefined,
      60_000,
      'api-2',
    );
    const other = await ApiClient.login(otherUrl, DEMO);
    const id = await newImage();
    const body = stalledBody();
    const uploading = upload(other, id, body.stream);
    await waitFor(async () => (await statusOf(demo, id)) === 'saving', 30_000, 'the upload to be saving');

    // Restarting the first API runs its recovery at start; both then recover every LEASE
    // seconds. Several leases later the upload, renewing its lease, still owns the image.
    await stack.restart('api');
    await stack.waitForApi();
    const [{ first }] = await stack.query<{ first: Date }>(
      'SELECT upload_lease_until AS first FROM images WHERE id = $1',
      [id],
    );
    await waitFor(
      async () => {
        const [{ until }] = await stack.query<{ until: Date }>(
          'SELECT upload_lease_until AS until FROM images WHERE id = $1',
          [id],
        );
        return until !== null && until.getTime() - first.getTime() >= 3 * LEASE * 1000;
      },
      60_000,
      'the lease to be renewed for three leases',
    );
    expect(await statusOf(demo, id)).toBe('saving');
    expect(stagingFiles()).toHaveLength(1);

    body.release();
    expect((await uploading).status).toBe(204);
    expect(await statusOf(demo, id)).toBe('active');
    expect(stagingFiles()).toEqual([]);
  });
});
