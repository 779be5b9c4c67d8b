import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { ADMIN, ApiClient, DEMO } from '../support/api-client';
import {
  bootDefaults,
  computeServices,
  createServer,
  getServer,
  LATEST,
  waitForGone,
  waitForServer,
  waitForTaskState,
} from '../support/servers';
import { TestStack, waitFor } from '../support/stack';

const reference = (name: string) =>
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'nova-zed', `${name}.json`), 'utf8'));

/**
 * Boot and delete through the whole pipeline: API → boot workflow on the conductor → scheduler →
 * ports → the host's queue → fake driver, with three fake hosts as separate worker processes:
 * c1-fails fails every spawn, c2 is healthy, c3-slow takes 4 s to spawn.
 */
describe('boot and delete', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let demo: ApiClient;
  let imageId: string;
  let networkId: string;

  beforeAll(async () => {
    stack = await TestStack.start({
      computeHosts: ['c1-fails', 'c2', 'c3-slow'],
      config: '[fake_driver]\nfail_methods = c1-fails:spawn\nslow_methods = c3-slow:spawn:4\n',
    });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    demo = await ApiClient.login(stack.apiUrl, DEMO);
    await computeServices(admin, 3);
    ({ imageId, networkId } = await bootDefaults(demo));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** Whether a host reports as many guests as it has live servers (a leaked or doubled guest shows). */
  const guestsMatchServers = async (host: string) => {
    const [row] = await stack.query<{ guests: number; servers: number }>(
      `SELECT n.running_vms AS guests,
              (SELECT count(*)::int FROM instances i
                WHERE i.host = n.host AND i.deleted_at IS NULL AND i.vm_state = 'active') AS servers
         FROM compute_nodes n WHERE n.host = $1`,
      [host],
    );
    return row.guests === row.servers;
  };

  const leftovers = async (uuid: string) => ({
    allocations: (await stack.query('SELECT * FROM allocations WHERE consumer_id = $1', [uuid])).length,
    ports: (await stack.query('SELECT * FROM ports WHERE device_id = $1', [uuid])).length,
  });

  it('boots to ACTIVE, rescheduled off the host whose spawn fails, with an address on the private network', async () => {
    const created = await createServer(demo, {
      name: 'web-1',
      imageRef: imageId,
      networks: [{ uuid: networkId }],
    });
    expect(created.status).toBe(202);
    expect(Object.keys(created.body.server).sort()).toEqual(
      Object.keys(reference('server_create_202').server).sort(),
    );
    expect(created.headers.get('location')).toBe(
      `${stack.apiUrl}/compute/v2.1/servers/${created.body.server.id}`,
    );
    const id = created.body.server.id;

    const server = await waitForServer(demo, id);
    expect(server).toMatchObject({
      status: 'ACTIVE',
      'OS-EXT-STS:vm_state': 'active',
      'OS-EXT-STS:task_state': null,
      'OS-EXT-STS:power_state': 1,
      'OS-EXT-AZ:availability_zone': 'nova',
      flavor: {
        vcpus: 1,
        ram: 512,
        disk: 1,
        ephemeral: 0,
        swap: 0,
        original_name: 'm1.tiny',
        extra_specs: {},
      },
    });
    expect(server.addresses.private).toEqual([
      {
        version: 4,
        addr: expect.stringMatching(/^10\.0\.0\.\d+$/),
        'OS-EXT-IPS:type': 'fixed',
        'OS-EXT-IPS-MAC:mac_addr': expect.stringMatching(/^fa:16:3e/),
      },
    ]);
    expect(server).not.toHaveProperty('OS-EXT-SRV-ATTR:host');
    const asAdmin = await getServer(admin, id);
    expect(asAdmin['OS-EXT-SRV-ATTR:host']).toBe('c2');
    expect(asAdmin.host_status).toBe('UP');
    // The Zed sample's server has no security groups; Nova shows them when its ports have some.
    expect(Object.keys(asAdmin).sort()).toEqual(
      [...Object.keys(reference('server_show_active').server), 'security_groups'].sort(),
    );

    const events = (
      await admin.get(
        `/compute/v2.1/servers/${id}/os-instance-actions/${(await demo.get(`/compute/v2.1/servers/${id}/os-instance-actions`)).body.instanceActions[0].request_id}`,
        LATEST,
      )
    ).body.instanceAction.events;
    expect(events.map((e: any) => [e.event, e.host, e.result])).toEqual([
      ['conductor_schedule_and_build_instances', '', 'Success'],
      ['compute__do_build_and_run_instance', 'c1-fails', 'Error'],
      ['compute__do_build_and_run_instance', 'c2', 'Success'],
    ]);
    const allocations = await stack.query<{ host: string }>(
      'SELECT n.host FROM allocations a JOIN compute_nodes n ON n.id = a.compute_node_id WHERE a.consumer_id = $1',
      [id],
    );
    expect(allocations).toEqual([{ host: 'c2' }]);
    const ports = await stack.query<{ binding_host_id: string; status: string }>(
      'SELECT binding_host_id, status FROM ports WHERE device_id = $1',
      [id],
    );
    expect(ports).toEqual([{ binding_host_id: 'c2', status: 'ACTIVE' }]);
  });

  it('shows the server as Nova does at 2.1 and 2.93, and lists it with filters', async () => {
    const keypair = await demo.post('/compute/v2.1/os-keypairs', { keypair: { name: 'ops' } });
    const created = await createServer(demo, {
      name: 'sample-vm',
      imageRef: imageId,
      metadata: { role: 'db' },
      key_name: 'ops',
    });
    const id = created.body.server.id;
    await createServer(demo, { name: 'other-vm', imageRef: imageId });
    await waitForServer(demo, id);
    const old = await demo.get(`/compute/v2.1/servers/${id}`);
    expect(old.body.server.flavor).toEqual({
      id: '1',
      links: [{ rel: 'bookmark', href: `${stack.apiUrl}/compute/flavors/1` }],
    });
    expect(old.body.server).not.toHaveProperty('locked');
    expect(old.body.server.key_name).toBe('ops');
    const [row] = await stack.query<{ key_data: string }>('SELECT key_data FROM instances WHERE uuid = $1', [
      id,
    ]);
    expect(row.key_data).toBe(keypair.body.keypair.public_key);
    expect(old.body.server.metadata).toEqual({ role: 'db' });

    const byName = await demo.get('/compute/v2.1/servers/detail?name=^sample-', LATEST);
    expect(byName.body.servers.map((s: any) => s.id)).toEqual([id]);
    expect(Object.keys(byName.body.servers[0]).sort()).toEqual(
      Object.keys(reference('servers_detail').servers[0])
        // A tenant sees no extended attributes but the hostname (2.90).
        .filter(
          (k) =>
            k === 'OS-EXT-SRV-ATTR:hostname' || (!k.startsWith('OS-EXT-SRV-ATTR') && k !== 'host_status'),
        )
        .sort(),
    );
    expect((await demo.get('/compute/v2.1/servers?status=ERROR')).body.servers).toEqual([]);
    const page = await demo.get('/compute/v2.1/servers?limit=1');
    expect(page.body.servers).toHaveLength(1);
    expect(page.body.servers_links[0].href).toContain(`marker=${page.body.servers[0].id}`);
    const next = await demo.get(`/compute/v2.1/servers?limit=1&marker=${page.body.servers[0].id}`);
    expect(next.body.servers[0].id).not.toBe(page.body.servers[0].id);

    const renamed = await demo.put(
      `/compute/v2.1/servers/${id}`,
      { server: { name: 'renamed', description: 'db' } },
      LATEST,
    );
    expect(renamed.body.server).toMatchObject({ name: 'renamed', description: 'db' });
    expect(
      (await demo.post(`/compute/v2.1/servers/${id}/metadata`, { metadata: { tier: 'gold' } })).body.metadata,
    ).toEqual({
      role: 'db',
      tier: 'gold',
    });
  });

  it("hides another project's server (404) and lets admins see all with all_tenants", async () => {
    const created = await createServer(demo, { name: 'private-one', imageRef: imageId });
    const id = created.body.server.id;
    const other = await ApiClient.login(stack.apiUrl, ADMIN);
    expect((await other.get(`/compute/v2.1/servers?name=private-one`)).body.servers).toEqual([]);
    expect(
      (await other.get(`/compute/v2.1/servers?name=private-one&all_tenants=1`)).body.servers.map(
        (s: any) => s.id,
      ),
    ).toEqual([id]);
    const adminOwn = await createServer(admin, { name: 'admins-own', imageRef: imageId });
    const hidden = await demo.get(`/compute/v2.1/servers/${adminOwn.body.server.id}`);
    expect(hidden.status).toBe(404);
    expect(hidden.body).toEqual({
      itemNotFound: { code: 404, message: `Instance ${adminOwn.body.server.id} could not be found.` },
    });
  });

  it('deletes during the build: the build is cancelled, its compensation runs, nothing leaks', async () => {
    const created = await createServer(admin, {
      name: 'short-lived',
      imageRef: imageId,
      networks: 'auto',
      availability_zone: 'nova:c3-slow',
    });
    const id = created.body.server.id;
    await waitForTaskState(admin, id, 'spawning');
    const conflict = await admin.put(`/compute/v2.1/servers/${id}/metadata`, { metadata: { a: 'b' } });
    expect(conflict.status).toBe(409);
    expect(conflict.body).toEqual({
      conflictingRequest: {
        code: 409,
        message: `Cannot 'update_metadata' instance ${id} while it is in vm_state building`,
      },
    });
    expect((await admin.delete(`/compute/v2.1/servers/${id}`)).status).toBe(204);
    await waitForGone(admin, id);

    expect(await leftovers(id)).toEqual({ allocations: 0, ports: 0 });
    const [row] = await stack.query<{ vm_state: string; task_state: string | null; deleted_at: Date | null }>(
      'SELECT vm_state, task_state, deleted_at FROM instances WHERE uuid = $1',
      [id],
    );
    expect(row).toMatchObject({ vm_state: 'deleted', task_state: null });
    expect(row.deleted_at).not.toBeNull();
    // The delete workflow ends just after the row is gone, and the visibility listing follows the
    // workflows' state a moment later (on the real server, through its visibility queue).
    let runs: Record<string, string> = {};
    await waitFor(
      async () => {
        runs = {};
        for await (const wf of stack.temporal().workflow.list({ query: `InstanceUuid = '${id}'` })) {
          runs[wf.workflowId.split('-')[0]] = wf.status.name;
        }
        return runs.delete === 'COMPLETED';
      },
      30_000,
      'the visibility listing to show the completed delete',
    );
    expect(runs).toEqual({ create: 'CANCELLED', delete: 'COMPLETED' });
    // The host destroyed the half-built guest: it reports exactly the guests of its live servers.
    await waitFor(() => guestsMatchServers('c3-slow'), 10_000, 'c3-slow to report no stray guest');
    const deleted = await admin.get(`/compute/v2.1/servers/detail?deleted=true&name=short-lived`, LATEST);
    expect(deleted.body.servers.map((s: any) => [s.id, s.status])).toEqual([[id, 'DELETED']]);
  });

  it('takes two concurrent deletes of one server as one', async () => {
    const created = await createServer(demo, { name: 'twice', imageRef: imageId, networks: 'auto' });
    const id = created.body.server.id;
    await waitForServer(demo, id);
    const [first, second] = await Promise.all([
      demo.delete(`/compute/v2.1/servers/${id}`),
      demo.delete(`/compute/v2.1/servers/${id}`),
    ]);
    expect([first.status, second.status]).toEqual([204, 204]);
    await waitForGone(demo, id);
    expect(await leftovers(id)).toEqual({ allocations: 0, ports: 0 });
    // One request started the delete workflow, named `delete-<server>-<request id>`; the other
    // started none. Handles read the workflow itself, so no visibility lag shows in these checks.
    const requestIds = [first, second].map((res) => res.headers.get('x-openstack-request-id'));
    const actions = (await demo.get(`/compute/v2.1/servers/${id}/os-instance-actions`, LATEST)).body
      .instanceActions;
    const deleteActions = actions.filter((a: any) => a.action === 'delete');
    expect(deleteActions).toHaveLength(1);
    const winner = deleteActions[0].request_id;
    expect(requestIds).toContain(winner);
    const temporal = stack.temporal();
    const handle = temporal.workflow.getHandle(`delete-${id}-${winner}`);
    await handle.result();
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    const loser = requestIds.find((requestId) => requestId !== winner);
    await expect(temporal.workflow.getHandle(`delete-${id}-${loser}`).describe()).rejects.toThrow(
      WorkflowNotFoundError,
    );
    // Nor did any other delete workflow run: the listing, once it caught up, shows this one only.
    let deletes: string[] = [];
    await waitFor(
      async () => {
        deletes = [];
        for await (const wf of temporal.workflow.list({
          query: `InstanceUuid = '${id}' AND Operation = 'delete'`,
        })) {
          deletes.push(`${wf.workflowId} ${wf.status.name}`);
        }
        return deletes.includes(`${handle.workflowId} COMPLETED`);
      },
      30_000,
      'the visibility listing to show the completed delete',
    );
    expect(deletes).toEqual([`${handle.workflowId} COMPLETED`]);
  });

  it('completes a boot once when the compute worker is killed during spawn and restarted', async () => {
    const created = await createServer(admin, {
      name: 'survivor',
      imageRef: imageId,
      availability_zone: 'nova:c3-slow',
    });
    const id = created.body.server.id;
    await waitForTaskState(admin, id, 'spawning');
    await stack.process('c3-slow').kill();
    stack.startCompute('c3-slow');
    const server = await waitForServer(admin, id, 90_000);
    expect(server.status).toBe('ACTIVE');
    expect(server['OS-EXT-SRV-ATTR:host']).toBe('c3-slow');
    expect((await leftovers(id)).allocations).toBe(1);
    // The spawn ran again on the restarted worker, which kept its guests: one guest per server
    // there means this one was spawned once (idempotent).
    await waitFor(
      async () => {
        const [counts] = await stack.query<{ guests: number; servers: number }>(
          `SELECT running_vms AS guests,
                  (SELECT count(*)::int FROM instances WHERE host = 'c3-slow' AND deleted_at IS NULL) AS servers
             FROM compute_nodes WHERE host = 'c3-slow'`,
        );
        return counts.guests === counts.servers;
      },
      10_000,
      'c3-slow to report one guest per server',
    );
    const actions = (await admin.get(`/compute/v2.1/servers/${id}/os-instance-actions`)).body.instanceActions;
    expect(actions.map((a: any) => a.action)).toEqual(['create']);
  });

  it('answers NoValidHost when no host has room, with Nova fault', async () => {
    await admin.post('/compute/v2.1/flavors', {
      // More disk than any host has; disk is no quota, so the request reaches the scheduler.
      flavor: { name: 'huge', ram: 64, vcpus: 1, disk: 900000, id: 'huge' },
    });
    const created = await createServer(admin, { name: 'too-big', imageRef: imageId, flavorRef: 'huge' });
    const server = await waitForServer(admin, created.body.server.id);
    expect(server.status).toBe('ERROR');
    expect(server.fault).toMatchObject({
      code: 500,
      message: 'No valid host was found. There are not enough hosts available.',
    });
    expect(await leftovers(server.id)).toEqual({ allocations: 0, ports: 0 });
  });

  it("refuses a boot over quota with Nova's 403, and bad references with 400", async () => {
    const project = (await demo.get('/identity/v3/auth/projects')).body.projects[0].id;
    const used = (await demo.get('/compute/v2.1/limits')).body.limits.absolute.totalInstancesUsed;
    await admin.put(`/compute/v2.1/os-quota-sets/${project}`, { quota_set: { instances: used + 1 } });
    const over = await createServer(demo, { name: 'over', imageRef: imageId, min_count: 2 });
    expect(over.status).toBe(403);
    expect(over.body).toEqual({
      forbidden: {
        code: 403,
        message: `Quota exceeded for instances: Requested 2, but already used ${used} of ${used + 1} instances`,
      },
    });
    await admin.delete(`/compute/v2.1/os-quota-sets/${project}`);

    expect((await createServer(demo, { name: 'x', imageRef: imageId, flavorRef: '99' })).body).toEqual({
      badRequest: { code: 400, message: 'Flavor 99 could not be found.' },
    });
    const noImage = '00000000-0000-4000-8000-000000000000';
    expect((await createServer(demo, { name: 'x', imageRef: noImage })).body).toEqual({
      badRequest: { code: 400, message: `Image ${noImage} could not be found.` },
    });
    const noNetworks = await demo.post(
      '/compute/v2.1/servers',
      { server: { name: 'x', imageRef: imageId, flavorRef: '1' } },
      LATEST,
    );
    expect(noNetworks.status).toBe(400);
    expect(
      (await createServer(demo, { name: 'x', imageRef: imageId, availability_zone: 'nova:c2' })).status,
    ).toBe(403);
  });

  it('reports the compute services and hypervisors to admins only', async () => {
    const services = (await admin.get('/compute/v2.1/os-services', LATEST)).body.services;
    const computes = services.filter((s: any) => s.binary === 'nova-compute');
    expect(computes.map((s: any) => [s.host, s.state, s.status, s.zone]).sort()).toEqual([
      ['c1-fails', 'up', 'enabled', 'nova'],
      ['c2', 'up', 'enabled', 'nova'],
      ['c3-slow', 'up', 'enabled', 'nova'],
    ]);
    expect(Object.keys(computes[0]).sort()).toEqual(Object.keys(reference('os-services').services[0]).sort());
    expect(services.map((s: any) => s.binary)).toEqual(
      expect.arrayContaining(['nova-conductor', 'nova-scheduler']),
    );
    const hypervisors = (await admin.get('/compute/v2.1/os-hypervisors/detail', LATEST)).body.hypervisors;
    expect(Object.keys(hypervisors[0]).sort()).toEqual(
      Object.keys(reference('os-hypervisors-detail').hypervisors[0]).sort(),
    );
    const denied = await demo.get('/compute/v2.1/os-services');
    expect(denied.body).toEqual({
      forbidden: {
        code: 403,
        message: "Policy doesn't allow os_compute_api:os-services:list to be performed.",
      },
    });
  });
});
