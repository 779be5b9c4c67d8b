import { type Config, type Environment } from '../../common/config';

interface CatalogEntry {
  type: string;
  endpoints: { interface: string; url: string }[];
}

/** Renew a token this long before it expires. */
const RENEW_MARGIN_MS = 60_000;

/**
 * The compute host's identity: a token of the [service_user] (password from
 * NOVAFLOW_SERVICE_PASSWORD) and the service catalog that came with it, as Nova's compute gets
 * from keystoneauth to talk to Glance. Renewed before it expires.
 */
export class ServiceSession {
  private current: Promise<{ token: string; expiresAt: number; catalog: CatalogEntry[] }> | undefined;
  private readonly authUrl: string;

  constructor(
    private readonly config: Config,
    env: Environment,
    private readonly password: string | undefined = process.env.NOVAFLOW_SERVICE_PASSWORD,
  ) {
    this.authUrl = (config.service_user.auth_url || `${env.publicUrl}/identity/v3`).replace(/\/+$/, '');
  }

  private async login() {
    if (!this.password) throw new Error('NOVAFLOW_SERVICE_PASSWORD is not set: the host cannot fetch images');
    const user = this.config.service_user;
    const res = await fetch(`${this.authUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: {
              user: { name: user.username, domain: { name: user.user_domain_name }, password: this.password },
            },
          },
          scope: { project: { name: user.project_name, domain: { name: user.project_domain_name } } },
        },
      }),
    });
    if (res.status !== 201)
      throw new Error(`service user ${user.username} could not log in: HTTP ${res.status}`);
    const body = (await res.json()) as { token: { expires_at: string; catalog: CatalogEntry[] } };
    return {
      token: res.headers.get('x-subject-token')!,
      expiresAt: Date.parse(body.token.expires_at),
      catalog: body.token.catalog,
    };
  }

  private async session() {
    const session = await this.current;
    if (!session || session.expiresAt - RENEW_MARGIN_MS < Date.now()) {
      this.current = this.login();
      this.current.catch(() => (this.current = undefined));
      return this.current;
    }
    return session;
  }

  async token(): Promise<string> {
    return (await this.session()).token;
  }

  /** The internal URL of a service in the catalog, e.g. the image service. */
  async endpoint(type: string): Promise<string> {
    const entry = (await this.session()).catalog.find((service) => service.type === type);
    const endpoint = entry?.endpoints.find((e) => e.interface === 'internal') ?? entry?.endpoints[0];
    if (!endpoint) throw new Error(`no ${type} service in the catalog`);
    return endpoint.url.replace(/\/+$/, '');
  }
}
