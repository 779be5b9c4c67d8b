import { ADMIN, ApiClient, DEMO } from '../support/api-client';
import { ensureOpenstackCli, OpenstackCli } from '../support/openstack-cli';
import { bootDefaults, createServer, waitForGone, waitForServer } from '../support/servers';
import { TestStack, waitFor } from '../support/stack';

const V241 = { 'OpenStack-API-Version': 'compute 2.41' };
const { cli: cliPath, reason: noCli } = ensureOpenstackCli();

/**
 * os-aggregates as Nova answers it, zones that come from aggregate metadata, and the scheduler
 * honouring zones, flavor extra specs and tenant isolation set on aggregates.
 */
describe('host aggregates', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let demo: ApiClient;
  let imageId: string;
  let adminProject: string;
  const agg = '/compute/v2.1/os-aggregates';
  const action = (id: number, body: unknown) => admin.post(`${agg}/${id}/action`, body, V241);
  const zonesOf = async () =>
    Object.fromEntries(
      (await admin.get('/compute/v2.1/os-services?binary=nova-compute')).body.services.map(
        (s: { host: string; zone: string }) => [s.host, s.zone],
      ),
    );

  beforeAll(async () => {
    stack = await TestStack.start({
      computeHosts: ['h1', 'h2'],
      config:
        '[filter_scheduler]\nenabled_filters = AvailabilityZoneFilter, ComputeFilter, ' +
        'AggregateInstanceExtraSpecsFilter, AggregateMultiTenancyIsolation\n',
    });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    demo = await ApiClient.login(stack.apiUrl, DEMO);
    await waitFor(
      async () => (await stack.health()).body.checks.compute.up?.length === 2,
      30_000,
      'two hosts up',
    );
    ({ imageId } = await bootDefaults(demo));
    adminProject = (await admin.get('/identity/v3/auth/projects')).body.projects[0].id;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('creates, shows, lists, renames and deletes, with uuid from 2.41 and Nova errors', async () => {
    const created = await admin.post(
      agg,
      { aggregate: { name: 'east-agg', availability_zone: 'east' } },
      V241,
    );
    expect(created.status).toBe(200);
    expect(created.body.aggregate).toMatchObject({
      name: 'east-agg',
      availability_zone: 'east',
      deleted: false,
      deleted_at: null,
      updated_at: null,
    });
    expect(created.body.aggregate).not.toHaveProperty('hosts');
    expect(created.body.aggregate.uuid).toMatch(/^[0-9a-f-]{36}$/);
    const id = created.body.aggregate.id;
    const old = await admin.get(`${agg}/${id}`);
    expect(old.body.aggregate).toMatchObject({ hosts: [], metadata: { availability_zone: 'east' } });
    expect(old.body.aggregate).not.toHaveProperty('uuid');

    const dup = await admin.post(agg, { aggregate: { name: 'east-agg' } });
    expect(dup.status).toBe(409);
    expect(dup.body.conflictingRequest.message).toBe('Aggregate east-agg already exists.');
    expect((await admin.get(`${agg}/9999`)).body.itemNotFound.message).toBe(
      'Aggregate 9999 could not be found.',
    );
    expect((await admin.get(`${agg}/abc`)).status).toBe(400);
    expect((await admin.post(agg, { aggregate: { name: 'x', availability_zone: 'a:b' } })).status).toBe(400);
    expect((await demo.get(agg)).status).toBe(403);

    const spare = (await admin.post(agg, { aggregate: { name: 'spare' } })).body.aggregate.id;
    const renamed = await admin.put(`${agg}/${spare}`, { aggregate: { name: ' spare2 ' } }, V241);
    expect(renamed.body.aggregate).toMatchObject({ name: 'spare2', availability_zone: null });
    expect(renamed.body.aggregate.updated_at).not.toBeNull();
    expect((await admin.put(`${agg}/${spare}`, { aggregate: { name: 'east-agg' } })).status).toBe(409);
    const list = (await admin.get(agg)).body.aggregates.map((a: { name: string }) => a.name);
    expect(list).toEqual(['east-agg', 'spare2']);
    expect((await admin.delete(`${agg}/${spare}`)).status).toBe(200);
    expect((await admin.get(`${agg}/${spare}`)).status).toBe(404);
  });

  it('adds and removes hosts, zones following the aggregates, clashes refused', async () => {
    const [east] = (await admin.get(agg)).body.aggregates;
    const added = await action(east.id, { add_host: { host: 'h1' } });
    expect(added.status).toBe(200);
    expect(added.body.aggregate).toMatchObject({ hosts: ['h1'], availability_zone: 'east' });
    const again = await action(east.id, { add_host: { host: 'h1' } });
    expect([again.status, again.body.conflictingRequest.message]).toEqual([
      409,
      `Aggregate ${east.id} already has host h1.`,
    ]);
    const unknown = await action(east.id, { add_host: { host: 'nope' } });
    expect([unknown.status, unknown.body.itemNotFound.message]).toEqual([
      404,
      'Compute host nope could not be found.',
    ]);
    const notIn = await action(east.id, { remove_host: { host: 'h2' } });
    expect([notIn.status, notIn.body.itemNotFound.message]).toEqual([
      404,
      `Cannot remove host h2 in aggregate ${east.id}`,
    ]);

    // The zone holds across host reports (each reports the default zone).
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(await zonesOf()).toEqual({ h1: 'east', h2: 'nova' });
    const zones = (await demo.get('/compute/v2.1/os-availability-zone')).body.availabilityZoneInfo;
    expect(zones.map((z: { zoneName: string }) => z.zoneName).sort()).toEqual(['east', 'nova']);
    const detail = (await admin.get('/compute/v2.1/os-availability-zone/detail')).body.availabilityZoneInfo;
    expect(Object.keys(detail.find((z: { zoneName: string }) => z.zoneName === 'east').hosts)).toEqual([
      'h1',
    ]);

    const west = (await admin.post(agg, { aggregate: { name: 'west-agg', availability_zone: 'west' } })).body
      .aggregate.id;
    const clash = await action(west, { add_host: { host: 'h1' } });
    expect([clash.status, clash.body.conflictingRequest.message]).toEqual([
      409,
      `Cannot add host to aggregate ${west}. Reason: One or more hosts already in availability zone(s) ['east'].`,
    ]);
    const plain = (await admin.post(agg, { aggregate: { name: 'plain' } })).body.aggregate.id;
    await action(plain, { add_host: { host: 'h1' } });
    const meta = await action(plain, { set_metadata: { metadata: { availability_zone: 'west' } } });
    expect([meta.status, meta.body.badRequest.message]).toEqual([
      400,
      `Cannot update metadata of aggregate ${plain}. Reason: One or more hosts already in availability zone(s) ['east'].`,
    ]);
    const update = await admin.put(`${agg}/${plain}`, { aggregate: { availability_zone: 'west' } });
    expect(update.body.badRequest.message).toBe(
      `Cannot update aggregate ${plain}. Reason: One or more hosts already in availability zone(s) ['east'].`,
    );
    const set = await action(plain, { set_metadata: { metadata: { a: '1', b: '2' } } });
    expect(set.body.aggregate.metadata).toEqual({ a: '1', b: '2' });
    const unset = await action(plain, { set_metadata: { metadata: { a: null } } });
    expect(unset.body.aggregate.metadata).toEqual({ b: '2' });

    const busy = await admin.delete(`${agg}/${plain}`);
    expect([busy.status, busy.body.badRequest.message]).toEqual([
      400,
      `Cannot remove host from aggregate ${plain}. Reason: Host aggregate is not empty.`,
    ]);
    expect((await action(plain, { remove_host: { host: 'h1' } })).body.aggregate.hosts).toEqual([]);
    expect((await admin.delete(`${agg}/${plain}`)).status).toBe(200);
    expect((await admin.delete(`${agg}/${west}`)).status).toBe(200);
    expect((await action(east.id, { add_host: { host: 'h9' } })).status).toBe(404);
  });

  it('schedules into an aggregate zone, by aggregate extra specs, and isolates tenants', async () => {
    const boot = async (server: Record<string, unknown>) => {
      const res = await createServer(demo, { imageRef: imageId, ...server });
      expect(res.status).toBe(202);
      return waitForServer(demo, res.body.server.id);
    };
    const zoned = await boot({ name: 'in-east', availability_zone: 'east' });
    expect(zoned.status).toBe('ACTIVE');
    expect(zoned['OS-EXT-AZ:availability_zone']).toBe('east');
    expect((await admin.get(`/compute/v2.1/servers/${zoned.id}`)).body.server['OS-EXT-SRV-ATTR:host']).toBe(
      'h1',
    );

    // h2 (zone nova) is kept for the admin project: demo finds no host there.
    const iso = (await admin.post(agg, { aggregate: { name: 'iso' } })).body.aggregate.id;
    await action(iso, { add_host: { host: 'h2' } });
    await action(iso, { set_metadata: { metadata: { filter_tenant_id: adminProject } } });
    const isolated = await boot({ name: 'in-nova', availability_zone: 'nova' });
    expect(isolated.status).toBe('ERROR');
    expect(isolated.fault.message).toContain('No valid host was found');

    // A flavor asking for ssd fits no host until an aggregate of h1 says it has ssd.
    const flavor = await admin.post('/compute/v2.1/flavors', {
      flavor: { name: 'ssd', ram: 64, vcpus: 1, disk: 1 },
    });
    const flavorId = flavor.body.flavor.id;
    await admin.post(`/compute/v2.1/flavors/${flavorId}/os-extra_specs`, {
      extra_specs: { 'aggregate_instance_extra_specs:ssd': 'true' },
    });
    const noSsd = await boot({ name: 'ssd-1', flavorRef: flavorId });
    expect(noSsd.status).toBe('ERROR');
    const [east] = (await admin.get(agg)).body.aggregates;
    await action(east.id, { set_metadata: { metadata: { ssd: 'true' } } });
    const ssd = await boot({ name: 'ssd-2', flavorRef: flavorId });
    expect(ssd.status).toBe('ACTIVE');
    expect(ssd['OS-EXT-AZ:availability_zone']).toBe('east');

    // A zone change under running instances is refused.
    const moved = await admin.put(`${agg}/${east.id}`, { aggregate: { availability_zone: 'elsewhere' } });
    expect(moved.body.badRequest.message).toBe(
      `Cannot update aggregate ${east.id}. Reason: One or more hosts contain instances in this zone.`,
    );

    const ids = [zoned.id, isolated.id, noSsd.id, ssd.id];
    for (const id of ids) await demo.delete(`/compute/v2.1/servers/${id}`);
    for (const id of ids) await waitForGone(demo, id);
    await action(iso, { remove_host: { host: 'h2' } });
    await admin.delete(`${agg}/${iso}`);
  });

  (cliPath ? it : it.skip)(`works with the openstack CLI${noCli ? ` (skipped: ${noCli})` : ''}`, async () => {
    const cli = new OpenstackCli(cliPath!, stack.apiUrl, stack.workDir);
    const created = await cli.json('novaflow-admin', [
      'aggregate',
      'create',
      '--zone',
      'cli-zone',
      'cli-agg',
    ]);
    expect(created).toMatchObject({ name: 'cli-agg', availability_zone: 'cli-zone' });
    await cli.ok('novaflow-admin', ['aggregate', 'set', '--property', 'rack=r1', 'cli-agg']);
    await cli.ok('novaflow-admin', ['aggregate', 'add', 'host', 'cli-agg', 'h2']);
    const shown = await cli.json('novaflow-admin', ['aggregate', 'show', 'cli-agg']);
    expect(shown).toMatchObject({ hosts: ['h2'], properties: { rack: 'r1' } });
    const listed = await cli.json<{ Name: string }[]>('novaflow-admin', ['aggregate', 'list']);
    expect(listed.map((row) => row.Name)).toContain('cli-agg');
    const hypervisor = await cli.json('novaflow-admin', ['hypervisor', 'show', 'h2']);
    expect(hypervisor.aggregates).toEqual(['cli-agg']);
    expect(await zonesOf()).toMatchObject({ h2: 'cli-zone' });
    await cli.ok('novaflow-admin', ['aggregate', 'remove', 'host', 'cli-agg', 'h2']);
    await cli.ok('novaflow-admin', ['aggregate', 'delete', 'cli-agg']);
    expect(await zonesOf()).toMatchObject({ h2: 'nova' });
  });
});
