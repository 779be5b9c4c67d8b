import { type ApiClient } from './api-client';
import { waitFor } from './stack';

export const LATEST = { 'OpenStack-API-Version': 'compute 2.93' };

/** The id of the seeded cirros image and the private network, as a tenant finds them. */
export async function bootDefaults(client: ApiClient): Promise<{ imageId: string; networkId: string }> {
  const images = await client.get('/image/v2/images?name=cirros');
  const networks = await client.get('/network/v2.0/networks?name=private');
  return { imageId: images.body.images[0].id, networkId: networks.body.networks[0].id };
}

/** POST /servers at microversion 2.93; returns the response (202 with the new server's id, or an error). */
export function createServer(
  client: ApiClient,
  server: Record<string, unknown>,
  hints?: Record<string, unknown>,
) {
  return client.post(
    '/compute/v2.1/servers',
    {
      server: { networks: 'none', flavorRef: '1', ...server },
      ...(hints && { 'os:scheduler_hints': hints }),
    },
    LATEST,
  );
}

export async function getServer(client: ApiClient, id: string): Promise<any> {
  const res = await client.get(`/compute/v2.1/servers/${id}`, LATEST);
  return res.status === 200 ? res.body.server : undefined;
}

/** Waits until the server settles: no task running and a final status (ACTIVE or ERROR). */
export async function waitForServer(client: ApiClient, id: string, timeoutMs = 60_000): Promise<any> {
  let server: any;
  await waitFor(
    async () => {
      server = await getServer(client, id);
      return (
        server !== undefined &&
        server['OS-EXT-STS:task_state'] === null &&
        ['ACTIVE', 'ERROR'].includes(server.status)
      );
    },
    timeoutMs,
    `server ${id} to settle`,
  );
  return server;
}

/** Waits until GET /servers/{id} answers 404, as `openstack server delete --wait` does. */
export async function waitForGone(client: ApiClient, id: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => (await client.get(`/compute/v2.1/servers/${id}`)).status === 404,
    timeoutMs,
    `server ${id} to be gone`,
  );
}

/** Waits until the server's task_state is the one given (a build reached spawning, say). */
export async function waitForTaskState(
  client: ApiClient,
  id: string,
  taskState: string,
  timeoutMs = 60_000,
): Promise<void> {
  await waitFor(
    async () => (await getServer(client, id))?.['OS-EXT-STS:task_state'] === taskState,
    timeoutMs,
    `server ${id} to reach task_state ${taskState}`,
  );
}

/** Waits until `count` compute services have reported (within 30 s) and returns them. */
export async function computeServices(admin: ApiClient, count: number): Promise<any[]> {
  let services: any[] = [];
  await waitFor(
    async () => {
      services =
        (await admin.get('/compute/v2.1/os-services?binary=nova-compute', LATEST)).body.services ?? [];
      return services.length === count;
    },
    30_000,
    `${count} compute services`,
  );
  return services;
}
