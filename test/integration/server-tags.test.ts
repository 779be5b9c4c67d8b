import { ADMIN, ApiClient, DEMO } from '../support/api-client';
import { ensureOpenstackCli, OpenstackCli } from '../support/openstack-cli';
import { bootDefaults, createServer, getServer, waitForServer } from '../support/servers';
import { TestStack } from '../support/stack';

const { cli: cliPath, reason } = ensureOpenstackCli();
const itWithCli = cliPath ? it : it.skip;
if (!cliPath) console.warn(`skipping the openstack CLI server tag tests: ${reason}`);

const at = (version: string) => ({ 'OpenStack-API-Version': `compute ${version}` });
const V226 = at('2.26');

/**
 * Nova 26.2.2's server tags (2.26) as a user meets them: the tags sub-resource, its limits and
 * statuses, `tags` in the server view and the tag list filters; and the list filters of 2.5,
 * 2.66, 2.75 and 2.83.
 */
describe('server tags and list filters as Nova 26.2.2', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let demo: ApiClient;
  let first: string;
  let second: string;

  const tagsUrl = (id: string, tag?: string) =>
    `/compute/v2.1/servers/${id}/tags${tag === undefined ? '' : `/${encodeURIComponent(tag)}`}`;
  const names = async (client: ApiClient, query: string, version = '2.26') => {
    const res = await client.get(`/compute/v2.1/servers?${query}`, at(version));
    expect(res.status).toBe(200);
    return res.body.servers.map((server: { name: string }) => server.name).sort();
  };

  beforeAll(async () => {
    stack = await TestStack.start({ computeHosts: ['c1'] });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    demo = await ApiClient.login(stack.apiUrl, DEMO);
    const { imageId } = await bootDefaults(demo);
    const ids: string[] = [];
    for (const name of ['tag-1', 'tag-2']) {
      const created = await createServer(demo, { name, imageRef: imageId });
      expect(created.status).toBe(202);
      ids.push(created.body.server.id);
    }
    [first, second] = ids;
    for (const id of ids) expect((await waitForServer(demo, id)).status).toBe('ACTIVE');
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
  });

  it('adds one tag with 201 and its Location, 204 when the server had it, and shows it from 2.26', async () => {
    expect((await demo.get(tagsUrl(first), at('2.25'))).status).toBe(404);
    const added = await demo.put(tagsUrl(first, 'web'), undefined, V226);
    expect(added.status).toBe(201);
    expect(added.headers.get('location')).toBe(`${stack.apiUrl}/compute/v2.1/servers/${first}/tags/web`);
    expect((await demo.put(tagsUrl(first, 'web'), undefined, V226)).status).toBe(204);
    expect((await demo.get(tagsUrl(first, 'web'), V226)).status).toBe(204);
    const missing = await demo.get(tagsUrl(first, 'db'), V226);
    expect(missing.status).toBe(404);
    expect(missing.body.itemNotFound.message).toBe(`Server ${first} has no tag 'db'`);
    expect((await demo.get(tagsUrl(first), V226)).body).toEqual({ tags: ['web'] });
    const shown = await demo.get(`/compute/v2.1/servers/${first}`, V226);
    expect(shown.body.server.tags).toEqual(['web']);
    expect((await demo.get(`/compute/v2.1/servers/${first}`, at('2.25'))).body.server).not.toHaveProperty(
      'tags',
    );
    const listed = await demo.get('/compute/v2.1/servers/detail', V226);
    expect(listed.body.servers.find((server: { id: string }) => server.id === first).tags).toEqual(['web']);
  });

  it('replaces all tags, deletes one or all, with Nova 404s for missing tags and servers', async () => {
    const replaced = await demo.put(tagsUrl(first), { tags: ['b', 'a', 'b'] }, V226);
    expect(replaced.status).toBe(200);
    expect(replaced.body).toEqual({ tags: ['a', 'b'] });
    expect((await demo.delete(tagsUrl(first, 'a'), V226)).status).toBe(204);
    const gone = await demo.delete(tagsUrl(first, 'a'), V226);
    expect(gone.status).toBe(404);
    expect(gone.body.itemNotFound.message).toBe(`Instance ${first} has no tag 'a'`);
    expect((await demo.delete(tagsUrl(first), V226)).status).toBe(204);
    expect((await demo.get(tagsUrl(first), V226)).body).toEqual({ tags: [] });

    const stranger = '00000000-0000-4000-8000-000000000000';
    const unknown = await demo.get(tagsUrl(stranger), V226);
    expect(unknown.status).toBe(404);
    expect(unknown.body.itemNotFound.message).toBe(`Instance ${stranger} could not be found.`);
    // Another project's server is not there for the caller.
    expect((await admin.put(tagsUrl(first, 'mine'), undefined, V226)).status).toBe(201);
    const adminServer = await createServer(admin, {
      name: 'tag-admin',
      imageRef: (await bootDefaults(admin)).imageId,
    });
    expect((await demo.put(tagsUrl(adminServer.body.server.id, 'x'), undefined, V226)).status).toBe(404);
    await demo.delete(tagsUrl(first), V226);
  });

  it("holds Nova's limits: 60 characters, no '/' or ',', 50 tags", async () => {
    const comma = await demo.put(tagsUrl(first, 'a,b'), undefined, V226);
    expect(comma.status).toBe(400);
    expect(comma.body.badRequest.message).toBe(
      "Tag 'a,b' is invalid. It must be a non empty string without characters '/' and ','. " +
        "Validation error message: 'a,b' does not match '^[^,/]*$'",
    );
    const long = 'x'.repeat(61);
    expect((await demo.put(tagsUrl(first, long), undefined, V226)).body.badRequest.message).toMatch(
      `Validation error message: '${long}' is too long`,
    );
    const slash = await demo.put(tagsUrl(first), { tags: ['a/b'] }, V226);
    expect(slash.status).toBe(400);
    expect(slash.body.badRequest.message).toMatch(/^Invalid input for field\/attribute/);
    const fifty = Array.from({ length: 50 }, (_, index) => `t${String(index).padStart(2, '0')}`);
    expect((await demo.put(tagsUrl(first), { tags: [...fifty, 'one-more'] }, V226)).status).toBe(400);
    expect((await demo.put(tagsUrl(first), { tags: fifty }, V226)).body.tags).toHaveLength(50);
    const over = await demo.put(tagsUrl(first, 'one-more'), undefined, V226);
    expect(over.status).toBe(400);
    expect(over.body.badRequest.message).toBe('The number of tags exceeded the per-server limit 50');
    expect((await demo.delete(tagsUrl(first), V226)).status).toBe(204);
  });

  it('answers 409 while the server is outside active, paused, suspended and stopped', async () => {
    const reset = (state: string) =>
      admin.post(`/compute/v2.1/servers/${second}/action`, { 'os-resetState': { state } });
    expect((await reset('error')).status).toBe(202);
    try {
      const refused = await demo.put(tagsUrl(second, 'x'), undefined, V226);
      expect(refused.status).toBe(409);
      expect(refused.body.conflictingRequest.message).toBe(
        `Cannot 'update tag' instance ${second} while it is in vm_state error`,
      );
      expect((await demo.delete(tagsUrl(second), V226)).status).toBe(409);
      expect((await demo.get(tagsUrl(second), V226)).status).toBe(200);
    } finally {
      expect((await reset('active')).status).toBe(202);
    }
  });

  it('filters lists by tags, tags-any, not-tags and not-tags-any from 2.26', async () => {
    await demo.put(tagsUrl(first), { tags: ['a', 'b'] }, V226);
    await demo.put(tagsUrl(second), { tags: ['b', 'c'] }, V226);
    expect(await names(demo, 'tags=a,b')).toEqual(['tag-1']);
    expect(await names(demo, 'tags=b')).toEqual(['tag-1', 'tag-2']);
    expect(await names(demo, 'tags-any=a,c')).toEqual(['tag-1', 'tag-2']);
    expect(await names(demo, 'not-tags=b,c')).toEqual(['tag-1']);
    expect(await names(demo, 'not-tags-any=a')).toEqual(['tag-2']);
    expect(await names(demo, 'tags=b&not-tags-any=c')).toEqual(['tag-1']);
    // Before 2.26 Nova strips the filter for a user.
    expect(await names(demo, 'tags=a,b', '2.25')).toEqual(['tag-1', 'tag-2']);
    expect((await getServer(demo, second)).tags).toEqual(['b', 'c']);
  });

  it('lets users filter by the 2.83 fields from 2.83 only, and by ip6 from 2.5', async () => {
    expect(await names(demo, 'vm_state=stopped', '2.82')).toEqual(['tag-1', 'tag-2']);
    expect(await names(demo, 'vm_state=stopped', '2.83')).toEqual([]);
    expect(await names(demo, 'vm_state=active', '2.83')).toEqual(['tag-1', 'tag-2']);
    expect(await names(demo, 'availability_zone=nowhere', '2.83')).toEqual([]);
    expect(await names(demo, 'availability_zone=nowhere', '2.82')).toEqual(['tag-1', 'tag-2']);
    expect(await names(demo, 'user_id=someone-else', '2.83')).toEqual([]);
    expect(await names(demo, 'power_state=1', '2.83')).toEqual(['tag-1', 'tag-2']);
    expect(await names(demo, `created_at=^${new Date().getUTCFullYear()}-`, '2.83')).toEqual([
      'tag-1',
      'tag-2',
    ]);
    expect(await names(demo, 'config_drive=True', '2.83')).toEqual([]);
    expect(await names(demo, 'progress=x', '2.83')).toEqual([]);
    // The servers have no addresses: an ip6 filter finds none from 2.5 and is ignored before.
    expect(await names(demo, 'ip6=fd00', '2.5')).toEqual([]);
    expect(await names(demo, 'ip6=fd00', '2.4')).toEqual(['tag-1', 'tag-2']);
    // changes-before is a user's filter from 2.66.
    expect(await names(demo, 'changes-before=2000-01-01T00:00:00Z', '2.65')).toEqual(['tag-1', 'tag-2']);
    expect(await names(demo, 'changes-before=2000-01-01T00:00:00Z', '2.66')).toEqual([]);
  });

  it('refuses unknown query parameters from 2.75, and joined-table filters from admins', async () => {
    const unknown = await demo.get('/compute/v2.1/servers?foo=1', at('2.75'));
    expect(unknown.status).toBe(400);
    expect(unknown.body.badRequest.message).toBe(
      "Additional properties are not allowed ('foo' was unexpected)",
    );
    const two = await demo.get('/compute/v2.1/servers/detail?foo=1&bar=2', at('2.93'));
    expect(two.body.badRequest.message).toBe(
      "Additional properties are not allowed ('foo', 'bar' were unexpected)",
    );
    expect((await demo.get('/compute/v2.1/servers?foo=1', at('2.74'))).status).toBe(200);
    expect((await demo.get('/compute/v2.1/servers?tags=a&limit=1', at('2.75'))).status).toBe(200);
    const joined = await admin.get('/compute/v2.1/servers?metadata=x', at('2.1'));
    expect(joined.status).toBe(400);
    expect(joined.body.badRequest.message).toBe('Invalid filter field: metadata.');
    expect((await demo.get('/compute/v2.1/servers?metadata=x', at('2.1'))).status).toBe(200);
  });

  itWithCli('works with openstack server set/unset --tag and server list --tags', async () => {
    const cli = new OpenstackCli(cliPath!, stack.apiUrl, stack.workDir);
    const v = ['--os-compute-api-version', '2.26'];
    await cli.ok('novaflow-demo', [...v, 'server', 'set', '--tag', 'cli-x', '--tag', 'cli-y', first]);
    expect((await cli.json('novaflow-demo', [...v, 'server', 'show', first])).tags).toEqual(
      expect.arrayContaining(['cli-x', 'cli-y']),
    );
    const listed = await cli.json('novaflow-demo', [...v, 'server', 'list', '--tags', 'cli-x']);
    expect(listed.map((server: { Name: string }) => server.Name)).toEqual(['tag-1']);
    await cli.ok('novaflow-demo', [...v, 'server', 'unset', '--tag', 'cli-x', first]);
    expect((await demo.get(tagsUrl(first), V226)).body.tags).not.toContain('cli-x');
    const none = await cli.json('novaflow-demo', [...v, 'server', 'list', '--tags', 'cli-x']);
    expect(none).toEqual([]);
  });
});
