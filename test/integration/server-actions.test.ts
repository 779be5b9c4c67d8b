import { ADMIN, ApiClient, type ApiResponse, DEMO } from '../support/api-client';
import {
  bootDefaults,
  computeServices,
  createServer,
  getServer,
  LATEST,
  waitForGone,
  waitForServer,
} from '../support/servers';
import { settled } from '../support/moves';
import { TestStack, waitFor } from '../support/stack';

const V2_72 = { 'OpenStack-API-Version': 'compute 2.72' };

/**
 * POST /servers/{id}/action on the whole pipeline, checked as a user would: the answer, then GET
 * /servers/{id} and os-instance-actions. Two fake hosts: `act-1` for the tenant's servers and
 * `act-faulty` (disabled for scheduling, used by forcing a host), whose powerOff fails and whose
 * suspend takes 3 s. Deletes are soft (reclaim_instance_interval), so restore and forceDelete
 * have something to act on.
 */
describe('server actions', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let demo: ApiClient;
  let imageId: string;
  const onFaulty = { failsToStop: '', reset: '' };

  beforeAll(async () => {
    stack = await TestStack.start({
      computeHosts: ['act-1', 'act-faulty'],
      config:
        '[DEFAULT]\nreclaim_instance_interval = 3600\n' +
        '[fake_driver]\nfail_methods = act-faulty:powerOff\nslow_methods = act-faulty:suspend:3\n',
    });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    demo = await ApiClient.login(stack.apiUrl, DEMO);
    const faulty = (await computeServices(admin, 2)).find((service: any) => service.host === 'act-faulty');
    ({ imageId } = await bootDefaults(demo));
    // Two admin servers forced onto the faulty host, which is then disabled: the tenant's servers
    // all land on act-1.
    [onFaulty.failsToStop, onFaulty.reset] = await Promise.all(
      ['fails-to-stop', 'reset-me'].map((name) =>
        boot(admin, name, { availability_zone: 'nova:act-faulty' }),
      ),
    );
    const disabled = await admin.put(
      `/compute/v2.1/os-services/${faulty.id}`,
      { status: 'disabled' },
      LATEST,
    );
    expect(disabled.status).toBe(200);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const act = (client: ApiClient, id: string, body: unknown, headers: Record<string, string> = LATEST) =>
    client.post(`/compute/v2.1/servers/${id}/action`, body, headers);

  const boot = async (client: ApiClient, name: string, extra: Record<string, unknown> = {}) => {
    const created = await createServer(client, { name, imageRef: imageId, ...extra });
    expect(created.status).toBe(202);
    const server = await waitForServer(client, created.body.server.id);
    expect(server.status).toBe('ACTIVE');
    return server.id as string;
  };

  /** The instance action a request recorded, with its events (as an admin sees them). */
  const actionOf = async (id: string, res: ApiResponse) => {
    const requestId = res.headers.get('x-openstack-request-id');
    const shown = await admin.get(`/compute/v2.1/servers/${id}/os-instance-actions/${requestId}`, LATEST);
    expect(shown.status).toBe(200);
    return shown.body.instanceAction;
  };

  /** The action's events once they have all finished, as [event, result]. */
  const finishedEvents = async (id: string, res: ApiResponse) => {
    let events: [string, string][] = [];
    await waitFor(
      async () => {
        const action = await actionOf(id, res);
        events = action.events.map((event: any) => [event.event, event.result]);
        return action.events.length > 0 && action.events.every((event: any) => event.finish_time !== null);
      },
      30_000,
      'the action to finish',
    );
    return events;
  };

  const conflict = (message: string) => ({ conflictingRequest: { code: 409, message } });
  const badRequest = (message: string) => ({ badRequest: { code: 400, message } });

  it('stops and starts a server, recording each action and its host event', async () => {
    const id = await boot(demo, 'stop-start');
    const stopped = await act(demo, id, { 'os-stop': null });
    expect(stopped.status).toBe(202);
    expect(stopped.text).toBe('');
    const off = await settled(demo, id, 'SHUTOFF');
    expect(off).toMatchObject({ 'OS-EXT-STS:vm_state': 'stopped', 'OS-EXT-STS:power_state': 4 });
    expect(await finishedEvents(id, stopped)).toEqual([['compute_stop_instance', 'Success']]);
    expect((await actionOf(id, stopped)).action).toBe('stop');

    const again = await act(demo, id, { 'os-stop': null });
    expect(again.status).toBe(409);
    expect(again.body).toEqual(conflict(`Cannot 'stop' instance ${id} while it is in vm_state stopped`));

    const started = await act(demo, id, { 'os-start': null });
    expect(started.status).toBe(202);
    const on = await settled(demo, id, 'ACTIVE');
    expect(on).toMatchObject({ 'OS-EXT-STS:vm_state': 'active', 'OS-EXT-STS:power_state': 1 });
    expect(await finishedEvents(id, started)).toEqual([['compute_start_instance', 'Success']]);
    const actions = (await demo.get(`/compute/v2.1/servers/${id}/os-instance-actions`, LATEST)).body;
    expect(actions.instanceActions.map((a: any) => a.action)).toEqual(['start', 'stop', 'create']);
  });

  it('reboots soft and hard, which the guest console shows, and reads the console by length', async () => {
    const id = await boot(demo, 'rebooter');
    const soft = await act(demo, id, { reboot: { type: 'soft' } });
    expect(soft.status).toBe(202);
    await settled(demo, id, 'ACTIVE');
    expect(await finishedEvents(id, soft)).toEqual([['compute_reboot_instance', 'Success']]);
    const hard = await act(demo, id, { reboot: { type: 'HARD' } });
    expect(hard.status).toBe(202);
    const server = await settled(demo, id, 'ACTIVE');
    expect(server['OS-EXT-STS:power_state']).toBe(1);
    expect(await finishedEvents(id, hard)).toEqual([['compute_reboot_instance', 'Success']]);
    expect((await actionOf(id, hard)).action).toBe('reboot');

    const tail = await act(demo, id, { 'os-getConsoleOutput': { length: 2 } });
    expect(tail.status).toBe(200);
    expect(tail.body.output.split('\n')).toEqual([
      expect.stringMatching(/login: \(boot 2, after soft reboot\)$/),
      expect.stringMatching(/login: \(boot 3, after hard reboot\)$/),
    ]);
    const last = await act(demo, id, { 'os-getConsoleOutput': { length: '1' } });
    expect(last.body.output).toMatch(/^\S+ login: \(boot 3, after hard reboot\)$/);
    for (const all of [{}, { length: null }, { length: -1 }]) {
      const whole = await act(demo, id, { 'os-getConsoleOutput': all });
      expect(whole.status).toBe(200);
      expect(whole.body.output.split('\n')).toHaveLength(7);
      expect(whole.body.output).toMatch(/^SeaBIOS/);
    }
    // A console read takes no task and records no action.
    const actions = (await demo.get(`/compute/v2.1/servers/${id}/os-instance-actions`, LATEST)).body;
    expect(actions.instanceActions.map((a: any) => a.action)).toEqual(['reboot', 'reboot', 'create']);

    expect((await act(demo, id, { 'os-getConsoleOutput': { length: -2 } })).body).toEqual(
      badRequest('Invalid input for field/attribute length. Value: -2. -2 is less than the minimum of -1'),
    );
    expect((await act(demo, id, { 'os-getConsoleOutput': { length: 'ten' } })).body).toEqual(
      badRequest("Invalid input for field/attribute length. Value: ten. 'ten' does not match '^-?[0-9]+$'"),
    );
    // Nova's check_instance_host: no host, no console (set on the row: such a server never booted).
    const [{ host }] = await stack.query('SELECT host FROM instances WHERE uuid = $1', [id]);
    await stack.query('UPDATE instances SET host = NULL WHERE uuid = $1', [id]);
    const notReady = await act(demo, id, { 'os-getConsoleOutput': { length: 1 } });
    await stack.query('UPDATE instances SET host = $2 WHERE uuid = $1', [id, host]);
    expect(notReady.status).toBe(409);
    expect(notReady.body).toEqual(conflict(`Instance ${id} is not ready`));
  });

  it('pauses and unpauses, suspends and resumes', async () => {
    const id = await boot(demo, 'sleeper');
    const steps: [string, string, number, string][] = [
      ['pause', 'PAUSED', 3, 'compute_pause_instance'],
      ['unpause', 'ACTIVE', 1, 'compute_unpause_instance'],
      ['suspend', 'SUSPENDED', 7, 'compute_suspend_instance'],
      ['resume', 'ACTIVE', 1, 'compute_resume_instance'],
    ];
    for (const [action, status, powerState, event] of steps) {
      const res = await act(demo, id, { [action]: null });
      expect(res.status).toBe(202);
      const server = await settled(demo, id, status);
      expect(server['OS-EXT-STS:power_state']).toBe(powerState);
      expect(await finishedEvents(id, res)).toEqual([[event, 'Success']]);
      expect((await actionOf(id, res)).action).toBe(action);
    }
    const unpause = await act(demo, id, { unpause: null });
    expect(unpause.body).toEqual(conflict(`Cannot 'unpause' instance ${id} while it is in vm_state active`));
  });

  it("reverts the task state when the host fails the action, as Nova's reverts_task_state", async () => {
    const id = onFaulty.failsToStop;
    const res = await act(admin, id, { 'os-stop': null });
    expect(res.status).toBe(202);
    expect(await finishedEvents(id, res)).toEqual([['compute_stop_instance', 'Error']]);
    const server = await settled(admin, id, 'ACTIVE');
    expect(server).toMatchObject({
      'OS-EXT-STS:vm_state': 'active',
      'OS-EXT-STS:task_state': null,
      'OS-EXT-STS:power_state': 1,
    });
    expect((await actionOf(id, res)).message).toBe('Error');
    const [row] = await stack.query('SELECT task_id FROM instances WHERE uuid = $1', [id]);
    expect(row.task_id).toBeNull();
  });

  it('locks a server against its owner, and only an admin lifts an admin lock', async () => {
    const id = await boot(demo, 'lockable');
    const locked = await act(demo, id, { lock: { locked_reason: 'maintenance' } });
    expect(locked.status).toBe(202);
    expect(await getServer(demo, id)).toMatchObject({ locked: true, locked_reason: 'maintenance' });
    expect(await finishedEvents(id, locked)).toEqual([['api_lock', 'Success']]);
    expect((await actionOf(id, locked)).action).toBe('lock');

    const refused = await act(demo, id, { 'os-stop': null });
    expect(refused.status).toBe(409);
    expect(refused.body).toEqual(conflict(`Instance ${id} is locked`));
    expect((await demo.delete(`/compute/v2.1/servers/${id}`)).body).toEqual(
      conflict(`Instance ${id} is locked`),
    );
    const metadata = await demo.post(`/compute/v2.1/servers/${id}/metadata`, { metadata: { a: 'b' } });
    expect(metadata.body).toEqual(conflict(`Instance ${id} is locked`));
    // The owner locking again changes nothing, not even the actions.
    const relock = await act(demo, id, { lock: { locked_reason: 'other' } });
    expect(relock.status).toBe(202);
    expect((await getServer(demo, id)).locked_reason).toBe('maintenance');
    const actionsAfterRelock = (await demo.get(`/compute/v2.1/servers/${id}/os-instance-actions`)).body;
    expect(actionsAfterRelock.instanceActions.map((a: any) => a.action)).toEqual(['lock', 'create']);

    // Admins are not held by a lock.
    const pausedByAdmin = await act(admin, id, { pause: null });
    expect(pausedByAdmin.status).toBe(202);
    await settled(demo, id, 'PAUSED');
    expect((await act(admin, id, { unpause: null })).status).toBe(202);
    await settled(demo, id, 'ACTIVE');

    const unlocked = await act(demo, id, { unlock: null });
    expect(unlocked.status).toBe(202);
    expect(await getServer(demo, id)).toMatchObject({ locked: false, locked_reason: null });
    expect(await finishedEvents(id, unlocked)).toEqual([['api_unlock', 'Success']]);

    // An admin's lock: the owner may not lift it, nor take it over by locking again.
    expect((await act(admin, id, { lock: null }, V2_72)).status).toBe(202);
    const [row] = await stack.query('SELECT locked_by FROM instances WHERE uuid = $1', [id]);
    expect(row.locked_by).toBe('admin');
    expect((await act(demo, id, { lock: null })).status).toBe(202);
    const denied = await act(demo, id, { unlock: null });
    expect(denied.status).toBe(403);
    expect(denied.body).toEqual({
      forbidden: {
        code: 403,
        message: "Policy doesn't allow os_compute_api:os-lock-server:unlock:unlock_override to be performed.",
      },
    });
    expect((await getServer(demo, id)).locked).toBe(true);
    expect((await act(admin, id, { unlock: null })).status).toBe(202);
    expect((await getServer(demo, id)).locked).toBe(false);
  });

  it('validates the lock body from 2.73 only, and filters lists by locked from 2.73', async () => {
    const id = await boot(demo, 'lock-filter');
    const other = await boot(demo, 'unlocked-one');
    expect((await act(demo, id, { lock: { locked_reason: '' } })).body).toEqual(
      badRequest("Invalid input for field/attribute locked_reason. Value: . '' is too short"),
    );
    expect((await act(demo, id, { lock: { reason: 'x' } })).status).toBe(400);
    // Before 2.73 Nova neither validates the value nor takes a reason from it.
    expect((await act(demo, id, { lock: { locked_reason: 'ignored' } }, V2_72)).status).toBe(202);
    expect(await getServer(demo, id)).toMatchObject({ locked: true, locked_reason: null });

    const names = async (query: string, headers = LATEST) =>
      (await demo.get(`/compute/v2.1/servers?${query}`, headers)).body.servers
        .map((server: any) => server.name)
        .filter((name: string) => ['lock-filter', 'unlocked-one'].includes(name));
    expect(await names('locked=true')).toEqual(['lock-filter']);
    expect(await names('locked=False')).toEqual(['unlocked-one']);
    expect((await names('locked=true', V2_72)).sort()).toEqual(['lock-filter', 'unlocked-one']);
    const bad = await demo.get('/compute/v2.1/servers?locked=maybe', LATEST);
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual(
      badRequest(
        "Invalid input received: Unrecognized value 'maybe', acceptable values are: " +
          "'0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'",
      ),
    );
    expect((await act(demo, id, { unlock: null })).status).toBe(202);
    expect((await getServer(demo, other)).locked).toBe(false);
  });

  it('resets the state as an admin only, which also ends the task that ran', async () => {
    const id = onFaulty.reset;
    // Another project's server does not exist for the tenant; its own, it may not reset.
    expect((await act(demo, id, { 'os-resetState': { state: 'error' } })).status).toBe(404);
    const demoOwn = await boot(demo, 'tenant-reset');
    expect((await act(demo, demoOwn, { 'os-resetState': { state: 'error' } })).body).toEqual({
      forbidden: {
        code: 403,
        message: "Policy doesn't allow os_compute_api:os-admin-actions:reset_state to be performed.",
      },
    });
    expect((await act(admin, id, { 'os-resetState': { state: 'broken' } })).body).toEqual(
      badRequest(
        "Invalid input for field/attribute state. Value: broken. 'broken' is not one of ['active', 'error']",
      ),
    );

    const errored = await act(admin, id, { 'os-resetState': { state: 'error' } });
    expect(errored.status).toBe(202);
    expect(await getServer(admin, id)).toMatchObject({ status: 'ERROR', 'OS-EXT-STS:task_state': null });
    const recorded = await actionOf(id, errored);
    expect(recorded).toMatchObject({ action: 'resetState', events: [] });
    expect((await act(admin, id, { 'os-resetState': { state: 'active' } })).status).toBe(202);
    expect((await getServer(admin, id)).status).toBe('ACTIVE');

    // A suspend that takes 3 s on this host, reset while it runs: the workflow finds it no longer
    // owns the server and leaves the state the admin set.
    expect((await act(admin, id, { suspend: null })).status).toBe(202);
    const [{ task_id: taskId }] = await stack.query<{ task_id: string }>(
      'SELECT task_id FROM instances WHERE uuid = $1',
      [id],
    );
    expect(taskId).toMatch(/^suspend-/);
    expect((await act(admin, id, { 'os-resetState': { state: 'active' } })).status).toBe(202);
    await stack.temporal().workflow.getHandle(taskId).result();
    const [row] = await stack.query('SELECT vm_state, task_state, task_id FROM instances WHERE uuid = $1', [
      id,
    ]);
    expect(row).toEqual({ vm_state: 'active', task_state: null, task_id: null });
  });

  it('soft-deletes, restores and force-deletes a server', async () => {
    const id = await boot(demo, 'deferred');
    expect((await act(demo, id, { restore: null })).body).toEqual(
      conflict(`Cannot 'restore' instance ${id} while it is in vm_state active`),
    );
    expect((await demo.delete(`/compute/v2.1/servers/${id}`)).status).toBe(204);
    const soft = await settled(demo, id, 'SOFT_DELETED');
    expect(soft).toMatchObject({ 'OS-EXT-STS:vm_state': 'soft-delete', 'OS-EXT-STS:power_state': 4 });

    const restored = await act(demo, id, { restore: null });
    expect(restored.status).toBe(202);
    expect(await settled(demo, id, 'ACTIVE')).toMatchObject({ 'OS-EXT-STS:power_state': 1 });
    expect(await finishedEvents(id, restored)).toEqual([['compute_restore_instance', 'Success']]);

    expect((await demo.delete(`/compute/v2.1/servers/${id}`)).status).toBe(204);
    await settled(demo, id, 'SOFT_DELETED');
    const forced = await act(demo, id, { forceDelete: null });
    expect(forced.status).toBe(202);
    await waitForGone(demo, id);
    expect((await actionOf(id, forced)).action).toBe('delete');
    const [row] = await stack.query('SELECT vm_state, deleted_at FROM instances WHERE uuid = $1', [id]);
    expect(row.vm_state).toBe('deleted');
    expect(row.deleted_at).not.toBeNull();
  });

  it("answers Nova's 400 for an unknown action or a malformed body, before looking up the server", async () => {
    const id = await boot(demo, 'bodies');
    const missing = '00000000-0000-4000-8000-000000000000';
    expect((await act(demo, id, { 'os-frobnicate': null })).body).toEqual(
      badRequest('There is no such action: os-frobnicate'),
    );
    expect((await act(demo, missing, { 'os-frobnicate': null })).status).toBe(400);
    for (const body of [{}, { 'os-stop': null, 'os-start': null }, ['os-stop']]) {
      expect((await act(demo, id, body)).body).toEqual(badRequest('Malformed request body'));
    }
    const notJson = await demo.request('POST', `/compute/v2.1/servers/${id}/action`, {
      rawBody: '{"os-stop": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(notJson.body).toEqual(badRequest('Malformed request body'));
    expect((await act(demo, id, { reboot: { type: 'sideways' } })).body).toEqual(
      badRequest(
        "Invalid input for field/attribute type. Value: sideways. 'sideways' is not one of " +
          "['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']",
      ),
    );
    expect((await act(demo, id, { reboot: {} })).body).toEqual(
      badRequest("Invalid input for field/attribute reboot. Value: {}. 'type' is a required property"),
    );
    expect((await act(demo, id, { reboot: null })).body).toEqual(
      badRequest("Invalid input for field/attribute reboot. Value: None. None is not of type 'object'"),
    );
    expect((await act(demo, missing, { 'os-stop': null })).body).toEqual({
      itemNotFound: { code: 404, message: `Instance ${missing} could not be found.` },
    });
    // Nothing above touched the server.
    const actions = (await demo.get(`/compute/v2.1/servers/${id}/os-instance-actions`)).body;
    expect(actions.instanceActions.map((a: any) => a.action)).toEqual(['create']);
  });

  it('documents the action endpoint in the OpenAPI document by its schemas', async () => {
    const doc = await new ApiClient(stack.apiUrl, undefined).get('/openapi.json');
    const post = doc.body.paths['/compute/v2.1/servers/{id}/action'].post;
    const schemas = post.requestBody.content['application/json'].schema.oneOf;
    const keys = schemas.map((schema: any) => schema.required[0]).sort();
    expect(keys).toEqual(
      [
        'addSecurityGroup',
        'removeSecurityGroup',
        'confirmResize',
        'evacuate',
        'migrate',
        'os-migrateLive',
        'rebuild',
        'resize',
        'revertResize',
        'forceDelete',
        'lock',
        'os-getConsoleOutput',
        'os-resetState',
        'os-start',
        'os-stop',
        'pause',
        'reboot',
        'restore',
        'resume',
        'suspend',
        'unlock',
        'unpause',
      ].sort(),
    );
  });
});
