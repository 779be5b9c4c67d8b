import { ADMIN, ApiClient } from '../support/api-client';
import { bootDefaults, computeServices, LATEST, waitForServer } from '../support/servers';
import { TestStack } from '../support/stack';

const ROUTE = { method: 'GET', route: '/compute/v2.1/servers/detail' };
const SERVERS = 8;

/** The sum of the API's novaflow_api_request_db_queries histogram for GET /servers/detail. */
async function queriesSoFar(stack: TestStack): Promise<number> {
  const page = await (await fetch(`${stack.apiUrl}/metrics`)).text();
  const line = page
    .split('\n')
    .find(
      (l) =>
        l.startsWith('novaflow_api_request_db_queries_sum{') &&
        l.includes(`method="${ROUTE.method}"`) &&
        l.includes(`route="${ROUTE.route}"`),
    );
  return line ? Number(line.split(' ').pop()) : 0;
}

/**
 * A server list is no N+1: the SQL statements one page of GET /servers/detail sends (as the API
 * counts them for its metrics) are as many for one server as for eight, each with a port,
 * addresses, metadata, tags and a security group.
 */
describe('server list queries', () => {
  let stack: TestStack;
  let admin: ApiClient;

  beforeAll(async () => {
    stack = await TestStack.start({ computeHosts: ['list-1'] });
    await stack.waitHealthy();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    await computeServices(admin, 1);
    const { imageId } = await bootDefaults(admin);
    const created = await admin.post(
      '/compute/v2.1/servers',
      {
        server: {
          name: 'listed',
          imageRef: imageId,
          flavorRef: '1',
          networks: 'auto',
          metadata: { role: 'web' },
          min_count: SERVERS,
          return_reservation_id: true,
        },
      },
      LATEST,
    );
    expect(created.status).toBe(202);
    const listed = await admin.get('/compute/v2.1/servers?name=listed', LATEST);
    const ids: string[] = listed.body.servers.map((s: { id: string }) => s.id);
    expect(ids).toHaveLength(SERVERS);
    for (const id of ids) expect((await waitForServer(admin, id)).status).toBe('ACTIVE');
    for (const id of ids.slice(0, 2)) {
      expect((await admin.put(`/compute/v2.1/servers/${id}/tags`, { tags: ['a', 'b'] }, LATEST)).status).toBe(
        200,
      );
    }
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const pageQueries = async (limit: number) => {
    const before = await queriesSoFar(stack);
    const res = await admin.get(`/compute/v2.1/servers/detail?limit=${limit}`, LATEST);
    expect(res.status).toBe(200);
    expect(res.body.servers).toHaveLength(limit);
    return (await queriesSoFar(stack)) - before;
  };

  it('sends as many statements for a page of eight servers as for a page of one', async () => {
    const one = await pageQueries(1);
    const eight = await pageQueries(SERVERS);
    expect(one).toBeGreaterThan(0);
    expect(eight).toBe(one);
    const page = (await admin.get(`/compute/v2.1/servers/detail?limit=${SERVERS}`, LATEST)).body.servers;
    expect(page.filter((s: { tags: string[] }) => s.tags.length === 2)).toHaveLength(2);
    expect(page.every((s: { addresses: object }) => Object.keys(s.addresses).length > 0)).toBe(true);
  });
});
