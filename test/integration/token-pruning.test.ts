import { createHash } from 'node:crypto';
import { ApiClient, DEMO, issueToken } from '../support/api-client';
import { TestStack, waitFor } from '../support/stack';

const digestOf = (token: string) => createHash('sha256').update(token).digest('hex');

/**
 * Token pruning (keystone-manage token_flush's job, run by the API every [token] prune_interval):
 * expired and revoked tokens leave the tokens table; live ones stay and keep working. A token
 * "expires" by moving its expiry back, never by waiting for it.
 */
describe('token pruning', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start({
      conductor: false,
      config: '[token]\nprune_interval = 1\ncache_time = 0\n',
    });
    await stack.waitForApi();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const stored = async (token: string) =>
    (await stack.query('SELECT 1 FROM tokens WHERE digest = $1', [digestOf(token)])).length === 1;

  it('deletes expired and revoked tokens, and only those', async () => {
    const live = (await issueToken(stack.apiUrl, DEMO)).token;
    const expired = (await issueToken(stack.apiUrl, DEMO)).token;
    const revoked = (await issueToken(stack.apiUrl, DEMO)).token;
    const demo = new ApiClient(stack.apiUrl, live);
    expect(
      (await demo.request('DELETE', '/identity/v3/auth/tokens', { headers: { 'x-subject-token': revoked } }))
        .status,
    ).toBe(204);
    await stack.query(`UPDATE tokens SET expires_at = now() - interval '1 second' WHERE digest = $1`, [
      digestOf(expired),
    ]);
    expect((await new ApiClient(stack.apiUrl, expired).get('/compute/v2.1/flavors')).status).toBe(401);
    expect(await stored(expired)).toBe(true);

    await waitFor(async () => !(await stored(expired)) && !(await stored(revoked)), 30_000, 'the pruning');
    expect(await stored(live)).toBe(true);
    expect((await demo.get('/compute/v2.1/flavors')).status).toBe(200);
    // A pruned token is as invalid as it was before.
    expect((await new ApiClient(stack.apiUrl, revoked).get('/compute/v2.1/flavors')).status).toBe(401);
  });
});
