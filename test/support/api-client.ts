import { passwordLogin } from '../../common/password-login';
import { TEST_PASSWORDS } from './passwords';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface Credentials {
  username: string;
  password: string;
  project: string;
  domain?: string;
}

export const ADMIN: Credentials = { username: 'admin', password: TEST_PASSWORDS.admin, project: 'admin' };
export const DEMO: Credentials = { username: 'demo', password: TEST_PASSWORDS.demo, project: 'demo' };

/** Issues a project-scoped token by password, as any OpenStack client does first. */
export async function issueToken(
  baseUrl: string,
  credentials: Credentials,
): Promise<{ token: string; body: any }> {
  const domain = { id: credentials.domain ?? 'default' };
  const login = await passwordLogin<any>(`${baseUrl}/identity/v3`, {
    username: credentials.username,
    password: credentials.password,
    projectName: credentials.project,
    userDomain: domain,
  });
  if (login.status !== 201) {
    throw new Error(`login of ${credentials.username} failed: ${login.status} ${JSON.stringify(login.body)}`);
  }
  return { token: login.token!, body: login.body };
}

/**
 * A thin HTTP client over the real API, the way a test would use curl: it sends the token and
 * returns status, headers and the parsed body, never throwing on error statuses.
 */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string | undefined,
    private readonly defaultHeaders: Record<string, string> = {},
  ) {}

  static async login(baseUrl: string, credentials: Credentials = ADMIN): Promise<ApiClient> {
    const { token } = await issueToken(baseUrl, credentials);
    return new ApiClient(baseUrl, token);
  }

  /** The same caller with extra headers on every request (a microversion, say). */
  with(headers: Record<string, string>): ApiClient {
    return new ApiClient(this.baseUrl, this.token, { ...this.defaultHeaders, ...headers });
  }

  async request<T = any>(
    method: string,
    path: string,
    options: { body?: unknown; rawBody?: RequestInit['body']; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...this.defaultHeaders, ...options.headers };
    if (this.token) headers['x-auth-token'] = this.token;
    let body: RequestInit['body'] = options.rawBody;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body,
      ...(body instanceof ReadableStream && { duplex: 'half' }),
    } as RequestInit);
    const text = await res.text();
    let parsed: unknown = undefined;
    if (text && (res.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }

  get = <T = any>(path: string, headers?: Record<string, string>) =>
    this.request<T>('GET', path, { headers });
  delete = <T = any>(path: string, headers?: Record<string, string>) =>
    this.request<T>('DELETE', path, { headers });
  post = <T = any>(path: string, body?: unknown, headers?: Record<string, string>) =>
    this.request<T>('POST', path, { body, headers });
  put = <T = any>(path: string, body?: unknown, headers?: Record<string, string>) =>
    this.request<T>('PUT', path, { body, headers });
  patch = <T = any>(path: string, body?: unknown, headers?: Record<string, string>) =>
    this.request<T>('PATCH', path, { body, headers });
}
