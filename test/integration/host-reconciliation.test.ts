import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ADMIN, ApiClient } from '../support/api-client';
import {
  bootDefaults,
  computeServices,
  createServer,
  getServer,
  LATEST,
  waitForGone,
  waitForServer,
} from '../support/servers';
import { sleep } from '../../common/sleep';
import { TestStack, waitFor } from '../support/stack';

const HOSTS = ['hr-1', 'hr-2'];

/**
 * A guest must never run where the database does not place it, and its address must not go to
 * another port while it may still run: hosts reconcile their guests with the database before they
 * take work, and a delete whose host did not answer holds the server's addresses until the host
 * reports the guest gone.
 */
describe('host reconciliation', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let imageId: string;
  let networkId: string;

  const guestsFile = (host: string) => join(stack.workDir, 'instances', host, 'fake-guests.json');
  /** The guests a fake host holds (none yet: no file). */
  const guestsOn = (host: string): Record<string, unknown> =>
    existsSync(guestsFile(host)) ? JSON.parse(readFileSync(guestsFile(host), 'utf8')) : {};
  const hostOf = (server: any): string => server['OS-EXT-SRV-ATTR:host'];
  const addressOf = (server: any): string => (Object.values(server.addresses)[0] as any[])[0].addr;
  /** The activities the running workflows of a server wait on. */
  const pendingHostSteps = async (serverId: string): Promise<string[]> => {
    const temporal = stack.temporal();
    const steps: string[] = [];
    for await (const execution of temporal.workflow.list({ query: "ExecutionStatus = 'Running'" })) {
      if (!execution.workflowId.includes(serverId)) continue;
      const { raw } = await temporal.workflow.getHandle(execution.workflowId).describe();
      steps.push(...(raw.pendingActivities ?? []).map((pending) => pending.activityType?.name ?? ''));
    }
    return steps;
  };
  const portAt = (ip: string) =>
    admin.post('/network/v2.0/ports', {
      port: { network_id: networkId, fixed_ips: [{ ip_address: ip }] },
    });

  beforeAll(async () => {
    stack = await TestStack.start({ computeHosts: HOSTS });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    await computeServices(admin, HOSTS.length);
    ({ imageId, networkId } = await bootDefaults(admin));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  async function boot(name: string): Promise<any> {
    const created = await createServer(admin, { name, imageRef: imageId, networks: [{ uuid: networkId }] });
    expect(created.status).toBe(202);
    return waitForServer(admin, created.body.server.id);
  }

  it('destroys, before it takes work, a guest its host holds of a server placed on another host', async () => {
    const server = await boot('placed-elsewhere');
    const home = hostOf(server);
    const other = HOSTS.find((host) => host !== home)!;
    // A copy of the guest on the other host, as a boot that moved on to an alternate leaves one.
    await stack.process(other).stop();
    mkdirSync(dirname(guestsFile(other)), { recursive: true });
    writeFileSync(
      guestsFile(other),
      JSON.stringify({ ...guestsOn(other), [server.id]: guestsOn(home)[server.id] }),
    );
    await stack.startCompute(other);
    await waitFor(async () => !(server.id in guestsOn(other)), 30_000, 'the stale copy to go');

    // The restarted worker's log: the copy destroyed, and only then work taken.
    const lines = readFileSync(join(stack.workDir, `${other}.log`), 'utf8').split('\n');
    const destroyed = lines.findLastIndex((line) => line.includes('destroyed stale guests'));
    expect(lines[destroyed]).toContain(server.id);
    expect(lines.slice(destroyed).some((line) => line.includes('compute workers taking work'))).toBe(true);
    // The server itself is untouched where it belongs.
    expect(server.id in guestsOn(home)).toBe(true);
    expect((await waitForServer(admin, server.id)).status).toBe('ACTIVE');
  });

  it("holds the step a restarted host takes until its start-up report is answered, past the step's schedule-to-start timeout", async () => {
    const server = await boot('held-at-start-up');
    const host = hostOf(server);
    await stack.process(host).stop();
    expect((await admin.post(`/compute/v2.1/servers/${server.id}/action`, { 'os-stop': null })).status).toBe(
      202,
    );
    // The power-off waits on the host's queue; then the conductor goes, so the host's start-up
    // report goes unanswered for longer than the 30 s the step may wait to be taken.
    await waitFor(
      async () => (await pendingHostSteps(server.id)).includes('powerOff'),
      30_000,
      'the power-off',
    );
    await stack.process('conductor').stop();
    stack.startCompute(host);
    await sleep(40_000);
    stack.start('conductor');

    await waitFor(
      async () => (await getServer(admin, server.id))['OS-EXT-STS:task_state'] === null,
      60_000,
      'the stop to end',
    );
    const stopped = await getServer(admin, server.id);
    expect(stopped.status).toBe('SHUTOFF');
    expect(stopped.fault).toBeUndefined();
  }, 180_000);

  it('holds the addresses of a server deleted while its host was down until the host reports the guest gone', async () => {
    const server = await boot('deleted-while-away');
    const host = hostOf(server);
    const address = addressOf(server);
    await stack.process(host).stop();

    expect((await admin.delete(`/compute/v2.1/servers/${server.id}`)).status).toBe(204);
    // The host activity waits 30 s to be picked up before the delete completes without the host.
    await waitForGone(admin, server.id, 90_000);
    const actions = (await admin.get(`/compute/v2.1/servers/${server.id}/os-instance-actions`, LATEST)).body
      .instanceActions;
    const deletion = actions.find((action: any) => action.action === 'delete');
    const shown = (
      await admin.get(`/compute/v2.1/servers/${server.id}/os-instance-actions/${deletion.request_id}`, LATEST)
    ).body.instanceAction;
    expect(shown.events).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          event: 'compute_terminate_instance',
          details: expect.stringMatching(/was unreachable.*addresses are held/),
        }),
      ]),
    );

    // The guest may still run with its address: no new port gets it, asked for or not.
    const asked = await portAt(address);
    expect(asked.status).toBe(409);
    expect(asked.body.NeutronError.type).toBe('IpAddressAlreadyAllocated');
    const next = await admin.post('/network/v2.0/ports', { port: { network_id: networkId } });
    expect(next.status).toBe(201);
    expect(next.body.port.fixed_ips.map((ip: any) => ip.ip_address)).not.toContain(address);
    expect(guestsOn(host)).toHaveProperty(server.id);

    // Back, the host destroys the deleted server's guest, and the address is free again.
    await stack.startCompute(host);
    await waitFor(async () => !(server.id in guestsOn(host)), 30_000, 'the guest to be destroyed');
    let port: any;
    await waitFor(
      async () => {
        const answer = await portAt(address);
        if (answer.status === 201) port = answer.body.port;
        return answer.status === 201;
      },
      30_000,
      'the address to be free',
    );
    expect(port.fixed_ips[0].ip_address).toBe(address);
  });
});
