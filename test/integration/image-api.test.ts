import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { type DataSource } from 'typeorm';
import { findImageForProject } from '../../common/image';
import { createDataSource } from '../../entities/data-source';
import { ADMIN, ApiClient, DEMO, issueToken } from '../support/api-client';
import { TestStack, waitFor } from '../support/stack';

const MiB = 1024 * 1024;
/** The test stack's [DEFAULT] image_size_cap: small enough to exceed cheaply, above the uploads below. */
const SIZE_CAP = 12 * MiB;
const PATCH = { 'content-type': 'application/openstack-images-v2.1-json-patch' };
const OCTETS = { 'content-type': 'application/octet-stream' };

/**
 * A body streamed in random chunks (no Content-Length), with the digests of what was sent. With a
 * gate, it stops after `gate.after` chunks until `gate.then` says whether to go on or to fail.
 */
function randomStream(
  chunks: number,
  chunkSize: number,
  gate?: { after: number; then: Promise<'go' | 'fail'> },
) {
  const md5 = createHash('md5');
  const sha512 = createHash('sha512');
  const sent: Buffer[] = [];
  let count = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (count === gate?.after && (await gate.then) === 'fail') {
        controller.error(new Error('the client gave up'));
        return;
      }
      if (count === chunks) {
        controller.close();
        return;
      }
      const chunk = randomBytes(chunkSize);
      md5.update(chunk);
      sha512.update(chunk);
      sent.push(chunk);
      count++;
      controller.enqueue(chunk);
    },
  });
  return {
    stream,
    digests: () => ({ md5: md5.digest('hex'), sha512: sha512.digest('hex'), data: Buffer.concat(sent) }),
  };
}

/** A promise and the function that settles it. */
function signal<T>() {
  let settle!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (settle = resolve));
  return { promise, settle };
}

const digest = (algorithm: string, data: Buffer) => createHash(algorithm).update(data).digest('hex');

/** Glance v2 as openstacksdk speaks it, over HTTP against the real API, PostgreSQL and data dir. */
describe('image API', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let demo: ApiClient;
  let adminProject: string;
  let demoProject: string;
  let db: DataSource;

  beforeAll(async () => {
    stack = await TestStack.start({ conductor: false, config: `[DEFAULT]\nimage_size_cap = ${SIZE_CAP}\n` });
    await stack.waitForApi();
    const adminToken = await issueToken(stack.apiUrl, ADMIN);
    const demoToken = await issueToken(stack.apiUrl, DEMO);
    admin = new ApiClient(stack.apiUrl, adminToken.token);
    demo = new ApiClient(stack.apiUrl, demoToken.token);
    adminProject = adminToken.body.token.project.id;
    demoProject = demoToken.body.token.project.id;
    db = await createDataSource(stack.databaseUrl, { poolSize: 1 }).initialize();
  });

  afterAll(async () => {
    await db?.destroy();
    await stack?.stop();
    // The logs stay for whoever debugs a failure; megabytes of random image data need not.
    if (stack) rmSync(join(stack.workDir, 'images'), { recursive: true, force: true });
  });

  const imagesDir = () => join(stack.workDir, 'images');
  const stagingFiles = () => readdirSync(imagesDir()).filter((name) => name.endsWith('.staging'));

  async function createImage(client: ApiClient, body: Record<string, unknown>) {
    const res = await client.post('/image/v2/images', body);
    expect(res.status).toBe(201);
    return res.body;
  }

  async function uploadBuffer(client: ApiClient, id: string, data: Buffer) {
    return client.request('PUT', `/image/v2/images/${id}/file`, { rawBody: data, headers: OCTETS });
  }

  it('publishes the version documents clients discover v2 from', async () => {
    const anonymous = new ApiClient(stack.apiUrl, undefined);
    const root = await anonymous.get('/image');
    expect(root.status).toBe(300);
    const listed = await anonymous.get('/image/versions');
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual(root.body);
    const current = root.body.versions.filter((version: any) => version.status === 'CURRENT');
    expect(current).toEqual([
      { id: 'v2.17', status: 'CURRENT', links: [{ rel: 'self', href: `${stack.apiUrl}/image/v2/` }] },
    ]);
    expect(root.body.versions.map((version: any) => version.id)).toContain('v2.0');
  });

  it('seeds a public cirros qcow2 of the admin project, with its data in the store, visible to demo', async () => {
    const listed = await demo.get('/image/v2/images?name=cirros');
    expect(listed.status).toBe(200);
    expect(listed.body.images).toHaveLength(1);
    const cirros = listed.body.images[0];
    expect(cirros).toMatchObject({
      name: 'cirros',
      status: 'active',
      visibility: 'public',
      owner: adminProject,
      disk_format: 'qcow2',
      container_format: 'bare',
      os_hash_algo: 'sha512',
    });
    expect(existsSync(join(imagesDir(), cirros.id))).toBe(true);

    const res = await fetch(`${stack.apiUrl}/image/v2/images/${cirros.id}/file`, {
      headers: { 'x-auth-token': demo.token! },
    });
    expect(res.status).toBe(200);
    const data = Buffer.from(await res.arrayBuffer());
    expect(data.length).toBe(cirros.size);
    expect(res.headers.get('content-md5')).toBe(cirros.checksum);
    expect(digest('md5', data)).toBe(cirros.checksum);
    expect(digest('sha512', data)).toBe(cirros.os_hash_value);
    // A qcow2 header, whose virtual size the API reports.
    expect(data.subarray(0, 4)).toEqual(Buffer.from([0x51, 0x46, 0x49, 0xfb]));
    expect(cirros.virtual_size).toBe(Number(data.readBigUInt64BE(24)));
    expect(cirros.virtual_size).toBeGreaterThan(cirros.size);

    // The API seeds only what is missing: a restart keeps the one cirros.
    await stack.restart('api');
    await stack.waitForApi();
    const again = await admin.get('/image/v2/images?name=cirros');
    expect(again.body.images.map((image: any) => image.id)).toEqual([cirros.id]);
  });

  it('creates a queued image in Glance JSON, streams a multi-megabyte upload, and serves it back', async () => {
    const created = await admin.post('/image/v2/images', {
      name: 'streamed',
      disk_format: 'raw',
      container_format: 'bare',
      min_disk: 1,
      min_ram: 64,
      tags: ['a', 'a', 'b'],
      os_distro: 'novaflow',
      kernel_id: null,
    });
    expect(created.status).toBe(201);
    const image = created.body;
    expect(created.headers.get('location')).toBe(`${stack.apiUrl}/image/v2/images/${image.id}`);
    expect(image).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      name: 'streamed',
      status: 'queued',
      visibility: 'shared',
      protected: false,
      os_hidden: false,
      checksum: null,
      os_hash_algo: null,
      os_hash_value: null,
      size: null,
      virtual_size: null,
      min_disk: 1,
      min_ram: 64,
      disk_format: 'raw',
      container_format: 'bare',
      owner: adminProject,
      tags: ['a', 'b'],
      os_distro: 'novaflow',
      kernel_id: null,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      self: `/v2/images/${image.id}`,
      file: `/v2/images/${image.id}/file`,
      schema: '/v2/schemas/image',
    });
    expect((await admin.get(`/image/v2/images/${image.id}/file`)).status).toBe(204);

    const upload = randomStream(80, 64 * 1024); // 5 MiB
    const put = await admin.request('PUT', `/image/v2/images/${image.id}/file`, {
      rawBody: upload.stream,
      headers: OCTETS,
    });
    expect(put.status).toBe(204);
    const sent = upload.digests();
    const shown = (await admin.get(`/image/v2/images/${image.id}`)).body;
    expect(shown).toMatchObject({
      status: 'active',
      size: 5 * MiB,
      virtual_size: 5 * MiB,
      checksum: sent.md5,
      os_hash_algo: 'sha512',
      os_hash_value: sent.sha512,
    });
    expect(digest('sha512', readFileSync(join(imagesDir(), image.id)))).toBe(sent.sha512);

    const res = await fetch(`${stack.apiUrl}/image/v2/images/${image.id}/file`, {
      headers: { 'x-auth-token': admin.token! },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.headers.get('content-length')).toBe(String(5 * MiB));
    expect(res.headers.get('content-md5')).toBe(sent.md5);
    expect(Buffer.from(await res.arrayBuffer()).equals(sent.data)).toBe(true);

    const again = await uploadBuffer(admin, image.id, Buffer.from('more'));
    expect(again.status).toBe(409);
    expect(again.body.conflictingRequest.message).toBe(
      'Image status transition from active to saving is not allowed',
    );
    expect((await admin.get(`/image/v2/images/${image.id}`)).body.checksum).toBe(sent.md5);
  });

  it('refuses uploads beyond image_size_cap with 413, streamed or declared, and keeps nothing', async () => {
    const image = await createImage(demo, { name: 'too-big', disk_format: 'raw', container_format: 'bare' });
    const streamed = randomStream(13, MiB); // 13 MiB > 12 MiB
    const put = await demo.request('PUT', `/image/v2/images/${image.id}/file`, {
      rawBody: streamed.stream,
      headers: OCTETS,
    });
    expect(put.status).toBe(413);
    expect(put.body.overLimit.message).toBe(
      'The incoming image is too large: The provided image is too large.',
    );
    const declared = await uploadBuffer(demo, image.id, Buffer.alloc(SIZE_CAP + 1));
    expect(declared.status).toBe(413);

    const shown = (await demo.get(`/image/v2/images/${image.id}`)).body;
    expect(shown).toMatchObject({ status: 'queued', size: null, checksum: null });
    expect(existsSync(join(imagesDir(), image.id))).toBe(false);
    expect(stagingFiles()).toEqual([]);

    // The image stays usable: an upload within the cap succeeds.
    const data = randomBytes(MiB);
    expect((await uploadBuffer(demo, image.id, data)).status).toBe(204);
    expect((await demo.get(`/image/v2/images/${image.id}`)).body.checksum).toBe(digest('md5', data));
  });

  const statusOf = async (client: ApiClient, id: string) =>
    (await client.get(`/image/v2/images/${id}`)).body.status;

  it('returns an image whose upload was aborted to queued, without a partial file', async () => {
    const image = await createImage(demo, { name: 'aborted', disk_format: 'raw', container_format: 'bare' });
    const gate = signal<'go' | 'fail'>();
    const upload = randomStream(10, MiB, { after: 3, then: gate.promise });
    const put = demo.request('PUT', `/image/v2/images/${image.id}/file`, {
      rawBody: upload.stream,
      headers: OCTETS,
    });
    // The server is writing part of the data when the client gives up.
    await waitFor(
      async () => (await statusOf(demo, image.id)) === 'saving' && stagingFiles().length === 1,
      10_000,
      'the upload to be saving',
    );
    gate.settle('fail');
    await expect(put).rejects.toThrow();
    await waitFor(
      async () => (await statusOf(demo, image.id)) === 'queued',
      10_000,
      'the aborted image to be queued again',
    );
    expect(existsSync(join(imagesDir(), image.id))).toBe(false);
    expect(stagingFiles()).toEqual([]);
  });

  it('lets one upload at a time write an image: a second one meanwhile gets 409', async () => {
    const image = await createImage(demo, {
      name: 'contended',
      disk_format: 'raw',
      container_format: 'bare',
    });
    const gate = signal<'go' | 'fail'>();
    const first = randomStream(4, MiB, { after: 2, then: gate.promise });
    const put = demo.request('PUT', `/image/v2/images/${image.id}/file`, {
      rawBody: first.stream,
      headers: OCTETS,
    });
    await waitFor(async () => (await statusOf(demo, image.id)) === 'saving', 10_000, 'the first upload');

    const second = await uploadBuffer(demo, image.id, randomBytes(1000));
    expect(second.status).toBe(409);
    expect(second.body.conflictingRequest.message).toBe(
      'Image status transition from saving to saving is not allowed',
    );
    gate.settle('go');
    expect((await put).status).toBe(204);
    const shown = (await demo.get(`/image/v2/images/${image.id}`)).body;
    expect(shown).toMatchObject({ status: 'active', size: 4 * MiB, checksum: first.digests().md5 });
  });

  it('validates creation and uploads in Glance words', async () => {
    const badFormat = await demo.post('/image/v2/images', { name: 'x', disk_format: 'floppy' });
    expect(badFormat.status).toBe(400);
    expect(badFormat.body.badRequest.message).toMatch(
      /^Provided object does not match schema 'image': 'floppy' is not one of \[None, 'ami'.*\n\nFailed validating 'enum' in schema\['properties'\]\['disk_format'\]/s,
    );
    const badProperty = await demo.post('/image/v2/images', { name: 'x', hw_disk_bus: 5 });
    expect(badProperty.status).toBe(400);
    expect(badProperty.body.badRequest.message).toContain("5 is not of type 'string'");
    const readOnly = await demo.post('/image/v2/images', { name: 'x', status: 'active' });
    expect(readOnly.status).toBe(403);
    expect(readOnly.body.forbidden.message).toBe("Attribute 'status' is read-only.");
    const reserved = await demo.post('/image/v2/images', { name: 'x', os_glance_import_task: 'y' });
    expect(reserved.status).toBe(403);
    const notMine = await demo.post('/image/v2/images', { name: 'x', owner: adminProject });
    expect(notMine.status).toBe(403);

    const id = '6c1d2f3e-0000-4000-8000-00000000abcd';
    expect((await demo.post('/image/v2/images', { id, name: 'chosen id' })).body.id).toBe(id);
    const duplicate = await demo.post('/image/v2/images', { id, name: 'again' });
    expect(duplicate.status).toBe(409);
    const formatless = await uploadBuffer(demo, id, Buffer.from('data'));
    expect(formatless.status).toBe(400);
    expect(formatless.body.badRequest.message).toBe(
      'Properties disk_format, container_format must be set prior to saving data.',
    );
    const wrongType = await demo.request('PUT', `/image/v2/images/${id}/file`, {
      rawBody: 'data',
      headers: { 'content-type': 'text/plain' },
    });
    expect(wrongType.status).toBe(415);
    expect((await demo.get(`/image/v2/images/${id}`)).body.status).toBe('queued');
  });

  it('lists with Glance filters, sorting and next links that page without overlap', async () => {
    const names = ['page-c', 'page-a', 'page-e', 'page-b', 'page-d'];
    for (const name of names) {
      await createImage(demo, { name, tags: ['paging'], disk_format: 'qcow2', container_format: 'bare' });
    }
    const seen: string[] = [];
    let path: string | undefined = '/image/v2/images?tag=paging&limit=2&sort_key=name&sort_dir=asc';
    const pages: any[] = [];
    while (path) {
      const page: any = await demo.get(path);
      expect(page.status).toBe(200);
      expect(page.body.first).toBe('/v2/images?tag=paging&limit=2&sort_key=name&sort_dir=asc');
      expect(page.body.schema).toBe('/v2/schemas/images');
      pages.push(page.body);
      seen.push(...page.body.images.map((image: any) => image.name));
      // Glance's next links are relative to the endpoint root, as openstacksdk resolves them.
      path = page.body.next ? `/image${page.body.next}` : undefined;
    }
    expect(seen).toEqual([...names].sort());
    expect(pages.map((page) => page.images.length)).toEqual([2, 2, 1]);
    expect(pages[0].next).toMatch(
      /^\/v2\/images\?tag=paging&limit=2&sort_key=name&sort_dir=asc&marker=[0-9a-f-]{36}$/,
    );

    const byNewSyntax = await demo.get('/image/v2/images?tag=paging&sort=name:desc');
    expect(byNewSyntax.body.images.map((image: any) => image.name)).toEqual([...names].sort().reverse());
    expect(byNewSyntax.body.next).toBeUndefined();
    const newestFirst = await demo.get('/image/v2/images?tag=paging');
    expect(newestFirst.body.images.map((image: any) => image.name)).toEqual([...names].reverse());

    const count = async (query: string) =>
      (await demo.get(`/image/v2/images?${query}`)).body.images.map((image: any) => image.name);
    expect(await count('name=page-b')).toEqual(['page-b']);
    expect(await count('name=in:page-a,page-e&sort=name:asc')).toEqual(['page-a', 'page-e']);
    expect(
      await count('tag=paging&status=queued&disk_format=qcow2&container_format=bare&sort=name:asc'),
    ).toEqual([...names].sort());
    expect(await count('tag=paging&disk_format=raw')).toEqual([]);
    expect(await count(`tag=paging&owner=${adminProject}`)).toEqual([]);
    expect(await count('visibility=public')).toEqual(['cirros']);
    expect(await count('status=active&size_min=1000000&size_max=2000000')).toEqual(['too-big']);
    expect(await count('protected=true')).toEqual([]);

    for (const [query, message] of [
      ['sort_key=colour', 'Invalid sort key: colour. It must be one of the following:'],
      ['sort_dir=up', 'Invalid sort direction: up'],
      ['sort=name&sort_key=size', 'Old and new sorting syntax cannot be combined'],
      ['limit=-1', 'limit param must be positive'],
      ['visibility=everyone', 'Invalid visibility value: everyone'],
      ['member_status=maybe', 'Invalid status: maybe'],
      ['protected=yes', "Invalid value 'yes' for 'protected' filter."],
      ['size_min=big', 'Unable to filter on a range with a non-numeric value.'],
      ['marker=6c1d2f3e-0000-4000-8000-00000000ffff', 'No image found with ID'],
    ]) {
      const res = await demo.get(`/image/v2/images?${query}`);
      expect(res.status).toBe(400);
      expect(res.body.badRequest.message).toContain(message);
    }
  });

  it('updates by JSON patch, refusing read-only attributes and what the caller may not do', async () => {
    const image = await createImage(demo, { name: 'patched', os_distro: 'before', disk_format: 'raw' });
    const url = `/image/v2/images/${image.id}`;
    const patched = await demo.request('PATCH', url, {
      body: [
        { op: 'replace', path: '/name', value: 'renamed' },
        { op: 'add', path: '/hw_rng_model', value: 'virtio' },
        { op: 'replace', path: '/os_distro', value: 'after' },
        { op: 'add', path: '/min_ram', value: 512 },
        { op: 'add', path: '/protected', value: true },
        { op: 'replace', path: '/tags', value: ['x', 'y'] },
        { op: 'add', path: '/visibility', value: 'private' },
        { op: 'replace', path: '/disk_format', value: 'qcow2' },
      ],
      headers: PATCH,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      name: 'renamed',
      hw_rng_model: 'virtio',
      os_distro: 'after',
      min_ram: 512,
      protected: true,
      tags: ['x', 'y'],
      visibility: 'private',
      disk_format: 'qcow2',
    });
    const removed = await demo.request('PATCH', url, {
      body: [{ op: 'remove', path: '/hw_rng_model' }],
      headers: PATCH,
    });
    expect(removed.body.hw_rng_model).toBeUndefined();
    expect((await demo.get(url)).body).toMatchObject({ name: 'renamed', os_distro: 'after' });

    const refusals: [unknown[], number, string][] = [
      [[{ op: 'replace', path: '/status', value: 'active' }], 403, "Attribute 'status' is read-only."],
      [[{ op: 'replace', path: '/id', value: image.id }], 403, "Attribute 'id' is read-only."],
      [[{ op: 'remove', path: '/name' }], 403, 'Property name may not be removed.'],
      [[{ op: 'remove', path: '/nothing' }], 409, 'Property nothing does not exist.'],
      [[{ op: 'replace', path: '/nothing', value: 'x' }], 409, 'Property nothing does not exist.'],
      [
        [{ op: 'add', path: '/tags/0', value: 'x' }],
        400,
        "Invalid JSON pointer for this resource: '/tags/0'",
      ],
      [[{ op: 'move', path: '/name' }], 400, 'Invalid operation: `move`.'],
      [[{ op: 'add', path: '/min_ram', value: 'lots' }], 400, "'lots' is not of type 'integer'"],
      [[{ op: 'add', path: '/visibility', value: 'public' }], 403, 'image:publicize'],
      [[{ op: 'replace', path: '/owner', value: adminProject }], 403, "Owner can't be updated by non admin."],
      [{ op: 'add' } as unknown as unknown[], 400, 'Request body must be a JSON array of operation objects.'],
    ];
    for (const [body, status, message] of refusals) {
      const res = await demo.request('PATCH', url, { body, headers: PATCH });
      expect([res.status, Object.values(res.body as object)[0].message]).toEqual([
        status,
        expect.stringContaining(message),
      ]);
    }
    const plainJson = await demo.request('PATCH', url, { body: [] });
    expect(plainJson.status).toBe(415);
    expect(plainJson.headers.get('accept-patch')).toBe('application/openstack-images-v2.1-json-patch');
    expect((await demo.get(url)).body.visibility).toBe('private');

    // Tags one at a time, as `openstack image unset --tag` removes them.
    expect((await demo.put(`${url}/tags/z`)).status).toBe(204);
    expect((await demo.delete(`${url}/tags/x`)).status).toBe(204);
    expect((await demo.delete(`${url}/tags/x`)).status).toBe(404);
    expect((await demo.get(url)).body.tags).toEqual(['y', 'z']);

    // Only admin publicizes.
    const publicized = await admin.request('PATCH', url, {
      body: [{ op: 'replace', path: '/visibility', value: 'public' }],
      headers: PATCH,
    });
    expect(publicized.body.visibility).toBe('public');
  });

  it("hides another project's private images (404) and refuses changes to visible ones (403)", async () => {
    const secret = await createImage(admin, { name: 'admin-secret', visibility: 'private' });
    for (const res of [
      await demo.get(`/image/v2/images/${secret.id}`),
      await demo.get(`/image/v2/images/${secret.id}/file`),
      await demo.request('PATCH', `/image/v2/images/${secret.id}`, { body: [], headers: PATCH }),
      await demo.delete(`/image/v2/images/${secret.id}`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.itemNotFound.message).toBe(`No image found with ID ${secret.id}`);
    }
    expect((await demo.get('/image/v2/images?name=admin-secret')).body.images).toEqual([]);
    expect((await admin.get('/image/v2/images?name=admin-secret')).body.images).toHaveLength(1);
    expect((await demo.post('/image/v2/images', { name: 'mine', visibility: 'public' })).status).toBe(403);

    const cirros = (await demo.get('/image/v2/images?name=cirros')).body.images[0];
    expect((await demo.delete(`/image/v2/images/${cirros.id}`)).status).toBe(403);
    expect((await uploadBuffer(demo, cirros.id, Buffer.from('x'))).status).toBe(403);
    const rename = await demo.request('PATCH', `/image/v2/images/${cirros.id}`, {
      body: [{ op: 'replace', path: '/name', value: 'mine' }],
      headers: PATCH,
    });
    expect(rename.status).toBe(403);
    expect((await demo.get(`/image/v2/images/${cirros.id}`)).body.name).toBe('cirros');
  });

  it('shares an image with members, who see it once they accept', async () => {
    const shared = await createImage(admin, { name: 'admin-shared', visibility: 'shared' });
    const url = `/image/v2/images/${shared.id}`;
    const demoNames = async (query = '') =>
      (await demo.get(`/image/v2/images?name=admin-shared${query}`)).body.images.map(
        (image: any) => image.id,
      );
    expect((await demo.get(url)).status).toBe(404);

    const added = await admin.post(`${url}/members`, { member: demoProject });
    expect(added.status).toBe(200);
    expect(added.body).toEqual({
      member_id: demoProject,
      image_id: shared.id,
      status: 'pending',
      created_at: expect.stringMatching(/Z$/),
      updated_at: expect.stringMatching(/Z$/),
      schema: '/v2/schemas/member',
    });
    expect((await admin.post(`${url}/members`, { member: demoProject })).status).toBe(409);
    expect((await admin.post(`${url}/members`, {})).status).toBe(400);

    // A pending member may look at the image, but does not list it unless asking for pending ones.
    expect((await demo.get(url)).status).toBe(200);
    expect(await demoNames()).toEqual([]);
    expect(await demoNames('&member_status=pending')).toEqual([shared.id]);
    expect(await demoNames('&visibility=shared&member_status=all')).toEqual([shared.id]);

    // An owner cannot accept for its members (demo owns this one; admin may do anything).
    const demoShared = await createImage(demo, { name: 'demo-shared', visibility: 'shared' });
    await demo.post(`/image/v2/images/${demoShared.id}/members`, { member: adminProject });
    const byOwner = await demo.put(`/image/v2/images/${demoShared.id}/members/${adminProject}`, {
      status: 'accepted',
    });
    expect(byOwner.status).toBe(403);
    expect(byOwner.body.forbidden.message).toBe("Policy doesn't allow image:modify_member to be performed.");
    const badStatus = await demo.put(`${url}/members/${demoProject}`, { status: 'maybe' });
    expect(badStatus.status).toBe(400);
    const accepted = await demo.put(`${url}/members/${demoProject}`, { status: 'accepted' });
    expect(accepted.status).toBe(200);
    expect(accepted.body.status).toBe('accepted');
    expect(await demoNames()).toEqual([shared.id]);
    expect((await demo.get(`${url}/members/${demoProject}`)).body.status).toBe('accepted');

    // The member sees only itself, and cannot share further.
    await admin.post(`${url}/members`, { member: 'some-other-project' });
    expect((await admin.get(`${url}/members`)).body.members.map((m: any) => m.member_id).sort()).toEqual(
      [demoProject, 'some-other-project'].sort(),
    );
    expect((await demo.get(`${url}/members`)).body.members.map((m: any) => m.member_id)).toEqual([
      demoProject,
    ]);
    expect((await demo.get(`${url}/members/some-other-project`)).status).toBe(404);
    expect((await demo.post(`${url}/members`, { member: 'third' })).status).toBe(403);
    expect((await demo.delete(`${url}/members/some-other-project`)).status).toBe(403);

    // Only shared images have members.
    const privateImage = await createImage(admin, { name: 'admin-private', visibility: 'private' });
    const refused = await admin.post(`/image/v2/images/${privateImage.id}/members`, { member: demoProject });
    expect(refused.status).toBe(403);
    expect(refused.body.forbidden.message).toBe('Only shared images have members.');

    expect((await admin.delete(`${url}/members/${demoProject}`)).status).toBe(204);
    expect((await demo.get(url)).status).toBe(404);
    expect(await demoNames()).toEqual([]);
  });

  it('lists community images only when asked, and hidden ones only with os_hidden=true', async () => {
    const community = await createImage(admin, { name: 'admin-community', visibility: 'community' });
    const hidden = await createImage(demo, { name: 'demo-hidden', os_hidden: true });
    const ids = async (client: ApiClient, query: string) =>
      (await client.get(`/image/v2/images?${query}`)).body.images.map((image: any) => image.id);
    expect(await ids(demo, 'name=admin-community')).toEqual([]);
    expect(await ids(demo, 'name=admin-community&visibility=community')).toEqual([community.id]);
    expect(await ids(admin, 'name=admin-community')).toEqual([community.id]);
    expect((await demo.get(`/image/v2/images/${community.id}`)).status).toBe(200);
    expect(await ids(demo, 'name=demo-hidden')).toEqual([]);
    expect(await ids(demo, 'name=demo-hidden&os_hidden=true')).toEqual([hidden.id]);
  });

  it('keeps protected images and deletes others with their data', async () => {
    const image = await createImage(demo, {
      name: 'doomed',
      protected: true,
      disk_format: 'raw',
      container_format: 'bare',
    });
    const url = `/image/v2/images/${image.id}`;
    expect((await uploadBuffer(demo, image.id, randomBytes(1000))).status).toBe(204);
    const refused = await demo.delete(url);
    expect(refused.status).toBe(403);
    expect(refused.body.forbidden.message).toBe(`Image ${image.id} is protected and cannot be deleted.`);
    expect((await demo.get(url)).body.status).toBe('active');

    await demo.request('PATCH', url, {
      body: [{ op: 'replace', path: '/protected', value: false }],
      headers: PATCH,
    });
    expect((await demo.delete(url)).status).toBe(204);
    expect((await demo.get(url)).status).toBe(404);
    expect((await demo.delete(url)).status).toBe(404);
    expect(existsSync(join(imagesDir(), image.id))).toBe(false);
    const [row] = await stack.query<{ status: string; deleted_at: Date | null }>(
      'SELECT status, deleted_at FROM images WHERE id = $1',
      [image.id],
    );
    expect(row.status).toBe('deleted');
    expect(row.deleted_at).not.toBeNull();
  });

  it('finds images for booting as the compute API will, by the same visibility rules', async () => {
    const cirros = (await demo.get('/image/v2/images?name=cirros')).body.images[0];
    const demoCaller = { projectId: demoProject, isAdmin: false };
    expect(await findImageForProject(db, cirros.id, demoCaller)).toEqual({
      id: cirros.id,
      name: 'cirros',
      status: 'active',
      disk_format: 'qcow2',
      container_format: 'bare',
      min_disk: 0,
      min_ram: 0,
      size: cirros.size,
      virtual_size: cirros.virtual_size,
      owner: adminProject,
      properties: {},
    });
    const secret = await createImage(admin, {
      name: 'boot-secret',
      visibility: 'private',
      kernel_id: cirros.id,
      hw_disk_bus: 'scsi',
    });
    expect(await findImageForProject(db, secret.id, demoCaller)).toBeUndefined();
    const asAdmin = await findImageForProject(db.manager, secret.id, {
      projectId: adminProject,
      isAdmin: true,
    });
    expect(asAdmin?.properties).toEqual({ kernel_id: cirros.id, hw_disk_bus: 'scsi' });
    expect(await findImageForProject(db, 'not-a-uuid', demoCaller)).toBeUndefined();

    await admin.request('PATCH', `/image/v2/images/${secret.id}`, {
      body: [{ op: 'replace', path: '/visibility', value: 'shared' }],
      headers: PATCH,
    });
    await admin.post(`/image/v2/images/${secret.id}/members`, { member: demoProject });
    expect((await findImageForProject(db, secret.id, demoCaller))?.name).toBe('boot-secret');
    await admin.delete(`/image/v2/images/${secret.id}`);
    expect(
      await findImageForProject(db, secret.id, { projectId: adminProject, isAdmin: true }),
    ).toBeUndefined();
  });
});
