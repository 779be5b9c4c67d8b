import { ApiClient, DEMO } from '../support/api-client';
import { bootDefaults, createServer, LATEST, waitForServer } from '../support/servers';
import { TestStack } from '../support/stack';

/**
 * Which action Nova accepts in which state: every action against every (vm_state, task_state)
 * pair the engine produces, each put on an idle server's row directly, answered as Nova's
 * compute/api.py decorators answer (check_instance_lock, check_instance_host,
 * check_instance_state: vm_state first, then task_state). The expectations below are written
 * from those decorators, not from Novaflow's table.
 *
 * The conductor is stopped once the server has booted, so an accepted action's workflow is
 * queued in Temporal and never runs: each answer depends on the row alone, not on timing.
 */

/** Every (vm_state, task_state) an operation of the engine leaves or walks through. */
const PAIRS: [string, string | null][] = [
  ['active', null],
  ['stopped', null],
  ['paused', null],
  ['suspended', null],
  ['error', null],
  ['soft-delete', null],
  ['building', 'scheduling'],
  ['building', 'networking'],
  ['building', 'block_device_mapping'],
  ['building', 'spawning'],
  ['active', 'powering-off'],
  ['error', 'powering-off'],
  ['stopped', 'powering-on'],
  ['active', 'rebooting'],
  ['active', 'rebooting_hard'],
  ['stopped', 'rebooting_hard'],
  ['paused', 'rebooting_hard'],
  ['suspended', 'rebooting_hard'],
  ['error', 'rebooting_hard'],
  ['active', 'pausing'],
  ['paused', 'unpausing'],
  ['active', 'suspending'],
  ['suspended', 'resuming'],
  ['soft-delete', 'restoring'],
  ['active', 'deleting'],
  ['stopped', 'deleting'],
  ['error', 'deleting'],
  ['building', 'deleting'],
  ['active', 'soft-deleting'],
  ['stopped', 'soft-deleting'],
];

/** nova/compute/task_states.py ALLOW_REBOOT (None included). */
const ALLOW_REBOOT = [
  null,
  'rebooting',
  'reboot_pending',
  'reboot_started',
  'resuming',
  'rebooting_hard',
  'unpausing',
  'pausing',
  'suspending',
];
const ANY = undefined;

interface NovaRule {
  body: unknown;
  /** The word of Nova's 409, and the instance action it records. */
  word: string;
  /** check_instance_state's vm_state and task_state; undefined: not checked. */
  vmStates?: string[];
  taskStates?: (string | null)[];
  /** The task_state the API sets when it accepts. */
  sets: string;
}

/** From the decorators of nova/compute/api.py (26.2.2) on each method the action calls. */
const NOVA: Record<string, NovaRule> = {
  'os-stop': {
    body: { 'os-stop': null },
    word: 'stop',
    vmStates: ['active', 'error'],
    taskStates: [null],
    sets: 'powering-off',
  },
  'os-start': {
    body: { 'os-start': null },
    word: 'start',
    vmStates: ['stopped'],
    taskStates: [null],
    sets: 'powering-on',
  },
  'reboot SOFT': {
    body: { reboot: { type: 'SOFT' } },
    word: 'reboot',
    vmStates: ['active'],
    taskStates: [null],
    sets: 'rebooting',
  },
  'reboot HARD': {
    body: { reboot: { type: 'HARD' } },
    word: 'reboot',
    vmStates: ['active', 'stopped', 'paused', 'suspended', 'error'],
    taskStates: ALLOW_REBOOT,
    sets: 'rebooting_hard',
  },
  pause: { body: { pause: null }, word: 'pause', vmStates: ['active'], taskStates: [null], sets: 'pausing' },
  unpause: {
    body: { unpause: null },
    word: 'unpause',
    vmStates: ['paused'],
    taskStates: [null],
    sets: 'unpausing',
  },
  suspend: {
    body: { suspend: null },
    word: 'suspend',
    vmStates: ['active'],
    taskStates: [null],
    sets: 'suspending',
  },
  resume: {
    body: { resume: null },
    word: 'resume',
    vmStates: ['suspended'],
    taskStates: [null],
    sets: 'resuming',
  },
  restore: {
    body: { restore: null },
    word: 'restore',
    vmStates: ['soft-delete'],
    taskStates: [null],
    sets: 'restoring',
  },
  // force_delete: check_instance_state(task_state=None): any state; it records a 'delete'.
  forceDelete: {
    body: { forceDelete: null },
    word: 'delete',
    vmStates: ANY,
    taskStates: ANY,
    sets: 'deleting',
  },
};

/** Nova's answer: accepted, or its 409 from raise_http_conflict_for_instance_invalid_state. */
function novaAnswer(rule: NovaRule, uuid: string, vmState: string, taskState: string | null) {
  if (rule.vmStates && !rule.vmStates.includes(vmState)) {
    return {
      status: 409,
      message: `Cannot '${rule.word}' instance ${uuid} while it is in vm_state ${vmState}`,
    };
  }
  if (rule.taskStates && !rule.taskStates.includes(taskState)) {
    return {
      status: 409,
      message: `Cannot '${rule.word}' instance ${uuid} while it is in task_state ${taskState}`,
    };
  }
  return { status: 202 };
}

/** Nova's _delete: a request on an instance already being deleted is accepted and ignored. */
const BEING_DELETED = ['deleting', 'soft-deleting'];

describe("actions against Nova's state table", () => {
  let stack: TestStack;
  let demo: ApiClient;
  let uuid: string;

  beforeAll(async () => {
    stack = await TestStack.start({
      computeHosts: ['table-1'],
      config: '[DEFAULT]\nreclaim_instance_interval = 3600\n',
    });
    await stack.waitHealthy();
    demo = await ApiClient.login(stack.apiUrl, DEMO);
    const { imageId } = await bootDefaults(demo);
    const created = await createServer(demo, { name: 'table', imageRef: imageId });
    uuid = created.body.server.id;
    expect((await waitForServer(demo, uuid)).status).toBe('ACTIVE');
    // From here no workflow runs: accepted actions stay queued, the row is all there is.
    await stack.process('conductor').stop();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** Puts the idle server in a state, as if an operation had left it there. */
  const putInState = (vmState: string, taskState: string | null) =>
    stack.query(
      'UPDATE instances SET vm_state = $2, task_state = $3, task_id = $4, locked = false WHERE uuid = $1',
      [uuid, vmState, taskState, taskState === null ? null : `sql-task-${taskState}`],
    );

  const row = async () =>
    (
      await stack.query<{ task_state: string | null; task_id: string | null }>(
        'SELECT task_state, task_id FROM instances WHERE uuid = $1',
        [uuid],
      )
    )[0];

  const actionsOf = async (requestId: string | null) =>
    (
      await stack.query<{ action: string }>('SELECT action FROM instance_actions WHERE request_id = $1', [
        requestId,
      ])
    ).map((recorded) => recorded.action);

  it.each(Object.keys(NOVA))('%s answers as Nova in every state', async (name) => {
    const rule = NOVA[name];
    const mismatches: unknown[] = [];
    for (const [vmState, taskState] of PAIRS) {
      await putInState(vmState, taskState);
      const res = await demo.post(`/compute/v2.1/servers/${uuid}/action`, rule.body, LATEST);
      const nova = novaAnswer(rule, uuid, vmState, taskState);
      const got: Record<string, unknown> = { status: res.status };
      const want: Record<string, unknown> = { status: nova.status };
      const requestId = res.headers.get('x-openstack-request-id');
      if (nova.status === 409) {
        got.message = res.body?.conflictingRequest?.message;
        want.message = nova.message;
        got.row = await row();
        want.row = { task_state: taskState, task_id: taskState === null ? null : `sql-task-${taskState}` };
        got.actions = await actionsOf(requestId);
        want.actions = [];
      } else if (name === 'forceDelete' && taskState !== null && BEING_DELETED.includes(taskState)) {
        got.actions = await actionsOf(requestId);
        want.actions = [];
      } else {
        got.taskState = (await row()).task_state;
        want.taskState = rule.sets;
        got.actions = await actionsOf(requestId);
        want.actions = [rule.word];
      }
      if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push({ vmState, taskState, got, want });
    }
    expect(mismatches).toEqual([]);
  });

  it('DELETE is accepted in every state, and ignored while a delete runs', async () => {
    const mismatches: unknown[] = [];
    for (const [vmState, taskState] of PAIRS) {
      await putInState(vmState, taskState);
      const res = await demo.delete(`/compute/v2.1/servers/${uuid}`);
      const ignored = taskState !== null && BEING_DELETED.includes(taskState);
      const got = {
        status: res.status,
        actions: await actionsOf(res.headers.get('x-openstack-request-id')),
        deleting: BEING_DELETED.includes((await row()).task_state ?? ''),
      };
      const want = { status: 204, actions: ignored ? [] : ['delete'], deleting: true };
      if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push({ vmState, taskState, got, want });
    }
    expect(mismatches).toEqual([]);
  });

  it('refuses a locked server to its owner before looking at its state', async () => {
    await putInState('stopped', 'powering-on');
    await stack.query('UPDATE instances SET locked = true, locked_by = $2 WHERE uuid = $1', [uuid, 'admin']);
    const res = await demo.post(`/compute/v2.1/servers/${uuid}/action`, { 'os-start': null }, LATEST);
    expect(res.status).toBe(409);
    expect(res.body.conflictingRequest.message).toBe(`Instance ${uuid} is locked`);
    await stack.query('UPDATE instances SET locked = false, locked_by = NULL WHERE uuid = $1', [uuid]);
  });
});
