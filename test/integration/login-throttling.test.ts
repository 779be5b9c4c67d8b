import { request } from 'node:http';
import { ADMIN, ApiClient, DEMO } from '../support/api-client';
import { TEST_PASSWORDS } from '../support/passwords';
import { TestStack } from '../support/stack';

const LOCKOUT_ATTEMPTS = 3;
const SOURCE_ATTEMPTS = 10;
const DURATION = 600;

interface Login {
  status: number;
  body: any;
  retryAfter: string | undefined;
}

/**
 * A password login sent from `source`, a loopback address of its own (the whole of 127/8 reaches
 * the API on 127.0.0.1), so that each test is its own client as far as the API can tell.
 */
function login(
  apiUrl: string,
  source: string,
  user: string,
  password: string,
  project = 'demo',
): Promise<Login> {
  const body = JSON.stringify({
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: user, domain: { id: 'default' }, password } },
      },
      scope: { project: { name: project, domain: { id: 'default' } } },
    },
  });
  const url = new URL(`${apiUrl}/identity/v3/auth/tokens`);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress: source,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
            retryAfter: res.headers['retry-after'],
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const UNAUTHORIZED = {
  error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' },
};

/**
 * Login throttling: Keystone's lockout per user ([security_compliance]), and a limit per client
 * address ([identity] source_failure_attempts), both decided before a password hash is spent.
 * "Later than the duration" is reached by moving the recorded failures back in time, never by
 * waiting.
 */
describe('login throttling', () => {
  let stack: TestStack;
  let admin: ApiClient;
  let memberRole: string;
  let demoProject: string;

  beforeAll(async () => {
    stack = await TestStack.start({
      conductor: false,
      config: [
        '[security_compliance]',
        `lockout_failure_attempts = ${LOCKOUT_ATTEMPTS}`,
        `lockout_duration = ${DURATION}`,
        '[identity]',
        `source_failure_attempts = ${SOURCE_ATTEMPTS}`,
        `source_lockout_duration = ${DURATION}`,
      ].join('\n'),
    });
    await stack.waitForApi();
    admin = await ApiClient.login(stack.apiUrl, ADMIN);
    memberRole = (await admin.get('/identity/v3/roles?name=member')).body.roles[0].id;
    demoProject = (await admin.get('/identity/v3/projects?name=demo')).body.projects[0].id;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** A member of demo with its own name and password. */
  async function newUser(name: string): Promise<{ id: string; name: string; password: string }> {
    const password = `${name}-password`;
    const created = await admin.post('/identity/v3/users', {
      user: { name, password, domain_id: 'default' },
    });
    expect(created.status).toBe(201);
    const id = created.body.user.id;
    await admin.request('PUT', `/identity/v3/projects/${demoProject}/users/${id}/roles/${memberRole}`);
    return { id, name, password };
  }

  it('locks a user out after failed logins in a row, with Keystone’s 401, from every address', async () => {
    const user = await newUser('guessed');
    for (let n = 0; n < LOCKOUT_ATTEMPTS; n++) {
      const wrong = await login(stack.apiUrl, '127.0.0.2', user.name, `wrong-${n}`);
      expect({ status: wrong.status, body: wrong.body }).toEqual({ status: 401, body: UNAUTHORIZED });
    }
    const locked = {
      status: 401,
      body: {
        error: { code: 401, title: 'Unauthorized', message: `The account is locked for user: ${user.id}.` },
      },
    };
    for (const source of ['127.0.0.2', '127.0.0.3']) {
      const right = await login(stack.apiUrl, source, user.name, user.password);
      expect({ status: right.status, body: right.body }).toEqual(locked);
    }
    // Other users are not locked.
    expect((await login(stack.apiUrl, '127.0.0.2', 'demo', DEMO.password)).status).toBe(201);

    // Later than lockout_duration after the last failure: unlocked, and counting from zero again.
    await stack.query(
      `UPDATE users SET failed_auth_at = failed_auth_at - make_interval(secs => $2) WHERE id = $1`,
      [user.id, DURATION + 1],
    );
    expect((await login(stack.apiUrl, '127.0.0.2', user.name, user.password)).status).toBe(201);
    expect((await login(stack.apiUrl, '127.0.0.2', user.name, 'wrong')).status).toBe(401);
    expect((await login(stack.apiUrl, '127.0.0.2', user.name, user.password)).status).toBe(201);
  });

  it('unlocks a locked user when an admin enables it, as Keystone does', async () => {
    const user = await newUser('unlocked-by-admin');
    for (let n = 0; n < LOCKOUT_ATTEMPTS; n++) await login(stack.apiUrl, '127.0.0.10', user.name, 'wrong');
    expect((await login(stack.apiUrl, '127.0.0.10', user.name, user.password)).status).toBe(401);
    const enabled = await admin.patch(`/identity/v3/users/${user.id}`, { user: { enabled: true } });
    expect(enabled.status).toBe(200);
    expect((await login(stack.apiUrl, '127.0.0.10', user.name, user.password)).status).toBe(201);
  });

  it('counts only failures in a row: a successful login starts the count again', async () => {
    const user = await newUser('forgetful');
    for (let round = 0; round < 3; round++) {
      for (let n = 0; n < LOCKOUT_ATTEMPTS - 1; n++)
        expect((await login(stack.apiUrl, '127.0.0.4', user.name, 'wrong')).status).toBe(401);
      expect((await login(stack.apiUrl, '127.0.0.5', user.name, user.password)).status).toBe(201);
    }
  });

  it('never locks a user with ignore_lockout_failure_attempts: the seeded service user', async () => {
    const nova = (await admin.get('/identity/v3/users?name=nova')).body.users[0];
    expect(nova.options).toEqual({ ignore_lockout_failure_attempts: true });
    for (let n = 0; n < LOCKOUT_ATTEMPTS + 1; n++)
      expect((await login(stack.apiUrl, '127.0.0.6', 'nova', 'wrong', 'service')).status).toBe(401);
    expect((await login(stack.apiUrl, '127.0.0.7', 'nova', TEST_PASSWORDS.service, 'service')).status).toBe(
      201,
    );
  });

  it('refuses an address with too many failed logins with 429 and Retry-After, whoever it tries', async () => {
    for (let n = 0; n < SOURCE_ATTEMPTS; n++) {
      // Names that are no user count too (and lock nobody).
      expect((await login(stack.apiUrl, '127.0.0.8', `nobody-${n}`, 'guess')).status).toBe(401);
    }
    const refused = await login(stack.apiUrl, '127.0.0.8', 'demo', DEMO.password);
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({
      error: {
        code: 429,
        title: 'Too Many Requests',
        message: expect.stringMatching(
          /^Too many failed logins from 127\.0\.0\.8; try again in \d+ seconds\.$/,
        ),
      },
    });
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(DURATION);
    // Another address is not refused, and demo was never locked.
    expect((await login(stack.apiUrl, '127.0.0.9', 'demo', DEMO.password)).status).toBe(201);

    // Later than source_lockout_duration after the first failure: the address may try again.
    await stack.query(
      `UPDATE login_failures SET window_start = window_start - make_interval(secs => $2) WHERE source = $1`,
      ['127.0.0.8', DURATION + 1],
    );
    expect((await login(stack.apiUrl, '127.0.0.8', 'demo', DEMO.password)).status).toBe(201);
  });
});
