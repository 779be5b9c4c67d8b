import { ADMIN, ApiClient } from '../support/api-client';
import {
  bootDefaults,
  createServer,
  LATEST,
  waitForGone,
  waitForServer,
  waitForTaskState,
} from '../support/servers';
import { TestStack, waitFor } from '../support/stack';

/**
 * Nova's task_id rule: only delete preempts. A delete during any in-place action cancels that
 * action's workflow, waits for it to end, and removes the server with everything it held: no
 * guest on the host, no claim, no port. Every host step of these actions is slow on `slow-host`,
 * so the delete lands while the action runs.
 */
describe('delete preempts every in-place action', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let imageId: string;
  let networkId: string;

  const slowSteps = [
    'powerOff',
    'powerOn',
    'softReboot',
    'hardReboot',
    'pause',
    'unpause',
    'suspend',
    'resume',
  ];

  beforeAll(async () => {
    stack = await TestStack.start({
      computeHosts: ['slow-host'],
      config: `[quota]\ninstances = -1\ncores = -1\nram = -1\n[fake_driver]\nslow_methods = ${slowSteps.map((step) => `${step}:6`).join(', ')}\n`,
    });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    ({ imageId, networkId } = await bootDefaults(admin));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** A server in the vm_state the action starts from, set on its row: the slow host steps would take long. */
  async function serverIn(vmState: string, powerState: number): Promise<string> {
    const created = await createServer(admin, {
      name: `victim-${vmState}`,
      imageRef: imageId,
      networks: [{ uuid: networkId }],
    });
    const id = created.body.server.id;
    expect((await waitForServer(admin, id)).status).toBe('ACTIVE');
    await stack.query('UPDATE instances SET vm_state = $2, power_state = $3 WHERE uuid = $1', [
      id,
      vmState,
      powerState,
    ]);
    return id;
  }

  const guests = async () =>
    (
      await stack.query<{ running_vms: number }>(
        `SELECT running_vms FROM compute_nodes WHERE host = 'slow-host'`,
      )
    )[0].running_vms;

  it.each([
    ['os-stop', null, 'active', 1, 'powering-off'],
    ['os-start', null, 'stopped', 4, 'powering-on'],
    ['reboot', { type: 'SOFT' }, 'active', 1, 'rebooting'],
    ['reboot', { type: 'HARD' }, 'active', 1, 'rebooting_hard'],
    ['pause', null, 'active', 1, 'pausing'],
    ['unpause', null, 'paused', 3, 'unpausing'],
    ['suspend', null, 'active', 1, 'suspending'],
    ['resume', null, 'suspended', 7, 'resuming'],
  ])(
    '%s %j: the delete cancels it and nothing is left',
    async (action, body, vmState, powerState, taskState) => {
      const id = await serverIn(vmState, powerState);
      const accepted = await admin.post(`/compute/v2.1/servers/${id}/action`, { [action]: body }, LATEST);
      expect(accepted.status).toBe(202);
      await waitForTaskState(admin, id, taskState);
      const [{ task_id: actionTask }] = await stack.query<{ task_id: string }>(
        'SELECT task_id FROM instances WHERE uuid = $1',
        [id],
      );

      expect((await admin.delete(`/compute/v2.1/servers/${id}`)).status).toBe(204);
      await waitForGone(admin, id, 90_000);
      // Cancelled, or ended as preempted at its next step (the delete took over before its host
      // step began or before the cancellation reached it): either way it changed nothing after.
      const handle = stack.temporal().workflow.getHandle(actionTask);
      const { status } = await handle.describe();
      if (status.name === 'COMPLETED') expect(await handle.result()).toBe('preempted');
      else expect(status.name).toBe('CANCELLED');
      expect(await stack.query('SELECT 1 FROM allocations WHERE consumer_id = $1', [id])).toEqual([]);
      expect(await stack.query('SELECT 1 FROM ports WHERE device_id = $1', [id])).toEqual([]);
      await waitFor(async () => (await guests()) === 0, 30_000, 'slow-host to report no guest');
    },
  );
});
