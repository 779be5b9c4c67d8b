export interface PasswordCredentials {
  username: string;
  password: string;
  projectName: string;
  /** Domain of the user and of the project, by id or name; `default` when not given. */
  userDomain?: { id?: string; name?: string };
  projectDomain?: { id?: string; name?: string };
}

export interface LoginResult<T> {
  status: number;
  /** The X-Subject-Token, on success. */
  token: string | null;
  body: T;
}

/**
 * POST /v3/auth/tokens with the password method and a project scope, as every OpenStack client
 * does first: compute hosts (for the image service), the benchmark and the tests.
 */
export async function passwordLogin<T = unknown>(
  identityUrl: string,
  credentials: PasswordCredentials,
): Promise<LoginResult<T>> {
  const userDomain = credentials.userDomain ?? { id: 'default' };
  const res = await fetch(`${identityUrl.replace(/\/+$/, '')}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: { name: credentials.username, domain: userDomain, password: credentials.password },
          },
        },
        scope: {
          project: { name: credentials.projectName, domain: credentials.projectDomain ?? userDomain },
        },
      },
    }),
  });
  return { status: res.status, token: res.headers.get('x-subject-token'), body: (await res.json()) as T };
}
