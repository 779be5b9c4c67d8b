import { type Config, type Environment } from '../../common/config';
import { passwordLogin } from '../../common/password-login';

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
    const login = await passwordLogin<{ token: { expires_at: string; catalog: CatalogEntry[] } }>(
      this.authUrl,
      {
        username: user.username,
        password: this.password,
        projectName: user.project_name,
        userDomain: { name: user.user_domain_name },
        projectDomain: { name: user.project_domain_name },
      },
    );
    if (login.status !== 201)
      throw new Error(`service user ${user.username} could not log in: HTTP ${login.status}`);
    return {
      token: login.token!,
      expiresAt: Date.parse(login.body.token.expires_at),
      catalog: login.body.token.catalog,
    };
  }

  /** The current session, logging in again when there is none (or it failed) or it nears its end. */
  private async session() {
    const session = await this.current?.catch(() => undefined);
    if (!session || session.expiresAt - RENEW_MARGIN_MS < Date.now()) {
      this.current = this.login();
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
