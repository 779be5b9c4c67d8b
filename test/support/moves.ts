import { type ApiClient, type ApiResponse } from './api-client';
import { createServer, getServer, LATEST, waitForServer } from './servers';
import { type TestStack, waitFor } from './stack';

/** Waits until the server shows `status` with no task running, and returns it. */
export async function settled(
  client: ApiClient,
  id: string,
  status: string,
  timeoutMs = 60_000,
): Promise<any> {
  let server: any;
  await waitFor(
    async () => {
      server = await getServer(client, id);
      return server?.status === status && server['OS-EXT-STS:task_state'] === null;
    },
    timeoutMs,
    `server ${id} to be ${status}`,
  );
  return server;
}

/** An admin's server forced onto `host` (az:host), ACTIVE. */
export async function bootOn(admin: ApiClient, imageId: string, name: string, host: string): Promise<string> {
  const created = await createServer(admin, { name, imageRef: imageId, availability_zone: `nova:${host}` });
  if (created.status !== 202) throw new Error(`boot of ${name} on ${host}: HTTP ${created.status}`);
  const server = await waitForServer(admin, created.body.server.id);
  if (server.status !== 'ACTIVE') throw new Error(`${name} on ${host} is ${server.status}`);
  return server.id as string;
}

/** PUT /os-services/{id} for a compute host: enable or disable it, or mark it down. */
export async function setService(
  admin: ApiClient,
  host: string,
  change: Record<string, unknown>,
): Promise<void> {
  const { services } = (await admin.get(`/compute/v2.1/os-services?host=${host}`, LATEST)).body;
  const res = await admin.put(`/compute/v2.1/os-services/${services[0].id}`, change, LATEST);
  if (res.status !== 200)
    throw new Error(`os-services ${host} ${JSON.stringify(change)}: HTTP ${res.status}`);
}

/** Who holds claims on which host for the instance: the instance itself, or one of its migrations. */
export function claimsOf(stack: TestStack, instanceUuid: string) {
  return stack.query<{ holder: 'instance' | 'migration'; host: string; memory_mb: number }>(
    `SELECT CASE WHEN a.consumer_id = $1 THEN 'instance' ELSE 'migration' END AS holder, n.host, a.memory_mb
       FROM allocations a JOIN compute_nodes n ON n.id = a.compute_node_id
      WHERE a.consumer_id = $1
         OR a.consumer_id IN (SELECT uuid FROM instance_migrations WHERE instance_uuid = $1)
      ORDER BY holder, n.host`,
    [instanceUuid],
  );
}

/** The events of the instance action a request recorded, as [event, result] (an admin's view). */
export async function eventsOf(admin: ApiClient, id: string, res: ApiResponse): Promise<[string, string][]> {
  const requestId = res.headers.get('x-openstack-request-id');
  const shown = await admin.get(`/compute/v2.1/servers/${id}/os-instance-actions/${requestId}`, LATEST);
  return shown.body.instanceAction.events.map((event: any) => [event.event, event.result]);
}
