import { ADMIN, ApiClient, DEMO, issueToken } from '../support/api-client';
import { sleep } from '../../scripts/net';
import { TestStack } from '../support/stack';

/** [token] expiration: a token stops working when it expires, whatever API it is sent to. */
describe('token expiry', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start({ conductor: false, config: '[token]\nexpiration = 2\ncache_time = 0\n' });
    await stack.waitForApi();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('refuses an expired token with 401 on every service, and no longer validates it', async () => {
    const { token, body } = await issueToken(stack.apiUrl, DEMO);
    expect(Date.parse(body.token.expires_at) - Date.parse(body.token.issued_at)).toBe(2000);
    const demo = new ApiClient(stack.apiUrl, token);
    expect((await demo.get('/compute/v2.1/flavors')).status).toBe(200);

    await sleep(2500);
    for (const path of [
      '/compute/v2.1/flavors',
      '/identity/v3/auth/projects',
      '/image/v2/images',
      '/network/v2.0/networks',
    ]) {
      const res = await demo.get(path);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe(`Keystone uri="${stack.apiUrl}/identity"`);
    }
    const admin = await ApiClient.login(stack.apiUrl, ADMIN);
    expect((await admin.get('/identity/v3/auth/tokens', { 'x-subject-token': token })).status).toBe(404);
  });

  it('gives a token rescoped from another no longer life than the original', async () => {
    const { token, body } = await issueToken(stack.apiUrl, DEMO);
    await sleep(1000);
    const rescoped = await new ApiClient(stack.apiUrl, undefined).post('/identity/v3/auth/tokens', {
      auth: {
        identity: { methods: ['token'], token: { id: token } },
        scope: { project: { name: 'demo', domain: { id: 'default' } } },
      },
    });
    expect(rescoped.status).toBe(201);
    expect(rescoped.body.token.methods).toEqual(['password', 'token']);
    expect(rescoped.body.token.expires_at).toBe(body.token.expires_at);
  });
});
