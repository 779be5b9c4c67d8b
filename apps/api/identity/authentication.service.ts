import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Domain, Project, User } from '../../../entities';
import { ApiError } from '../common/api-error';
import { type AuthContext } from '../common/auth/auth-context';
import { type AuthRequest } from './auth.schema';
import { LoginThrottle } from './login-throttle';
import { PasswordHashing } from './password-hashing';
import { effectiveRoles, TokenService } from './token.service';

const UNAUTHORIZED = 'The request you have made requires authentication.';
const unauthorized = () => new ApiError('unauthorized', UNAUTHORIZED);

/** Spent on unknown users too, so that response time does not reveal which user names exist. */
const DUMMY_HASH =
  '$argon2id$v=19$m=19456,p=1,t=2$c29tZXNhbHRzb21lc2FsdA$H802ZnZrjYe9qkX4jQfBWTQtJnmj6Noz+sJrSQ8gzOM';

interface Identity {
  userId: string;
  methods: string[];
  /** Set when authenticating with a token: the new token may not outlive it. */
  expiresAt?: Date;
  defaultProjectId: string | null;
}

/** Keystone's POST /v3/auth/tokens: who the caller is (password or token), then what scope it gets. */
@Injectable()
export class AuthenticationService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tokens: TokenService,
    private readonly passwords: PasswordHashing,
    private readonly throttle: LoginThrottle,
  ) {}

  /** `source` is the client's address, which the per-source login limit counts by. */
  async authenticate(
    request: AuthRequest['auth'],
    source: string,
  ): Promise<{ token: string; auth: AuthContext }> {
    const identity = await this.identify(request.identity, source);
    const scope = await this.resolveScope(request.scope, identity);
    return this.tokens.issue({
      ...scope,
      userId: identity.userId,
      methods: identity.methods,
      expiresAt: identity.expiresAt,
    });
  }

  private async identify(identity: AuthRequest['auth']['identity'], source: string): Promise<Identity> {
    const method = identity.methods[0];
    if (method === 'password' && identity.password) {
      return this.checkPassword(identity.password.user, source);
    }
    if (method === 'token' && identity.token) {
      const auth = await this.tokens.validate(identity.token.id);
      if (!auth) throw unauthorized();
      const user = await this.dataSource.getRepository(User).findOneByOrFail({ id: auth.userId });
      return {
        userId: auth.userId,
        methods: [...new Set([...auth.methods, 'token'])],
        expiresAt: auth.expiresAt,
        defaultProjectId: user.defaultProjectId,
      };
    }
    throw new ApiError('unauthorized', `Unsupported authentication method: ${method}`);
  }

  /** A password login, throttled per source and per user before the hash is spent (see LoginThrottle). */
  private async checkPassword(
    given: NonNullable<AuthRequest['auth']['identity']['password']>['user'],
    source: string,
  ): Promise<Identity> {
    await this.throttle.checkSource(source);
    const user = await this.findUser(given);
    if (user && (await this.throttle.userLocked(user.id))) {
      await this.throttle.recordSourceFailure(source);
      throw new ApiError('unauthorized', `The account is locked for user: ${user.id}.`);
    }
    const ok = await this.passwords.verify(user?.passwordHash ?? DUMMY_HASH, given.password);
    if (!user || !ok) {
      await this.throttle.recordSourceFailure(source);
      if (user) await this.throttle.recordUserFailure(user.id);
      throw unauthorized();
    }
    if (!user.enabled) throw unauthorized();
    await this.throttle.resetUser(user.id);
    return { userId: user.id, methods: ['password'], defaultProjectId: user.defaultProjectId };
  }

  private async findUser(given: { id?: string; name?: string; domain?: { id?: string; name?: string } }) {
    const users = this.dataSource.getRepository(User);
    const select = {
      id: true,
      name: true,
      enabled: true,
      passwordHash: true,
      defaultProjectId: true,
      domainId: true,
    };
    if (given.id) return users.findOne({ where: { id: given.id }, select });
    if (!given.name || !given.domain) throw new ApiError('badRequest', 'A user name requires a domain.');
    const domain = await this.findDomain(given.domain);
    if (!domain || !domain.enabled) return null;
    return users.findOne({ where: { name: given.name, domainId: domain.id }, select });
  }

  private findDomain(ref: { id?: string; name?: string }) {
    const domains = this.dataSource.getRepository(Domain);
    return ref.id ? domains.findOneBy({ id: ref.id }) : domains.findOneBy({ name: ref.name });
  }

  private async resolveScope(
    scope: AuthRequest['auth']['scope'],
    identity: Identity,
  ): Promise<{ projectId?: string; domainId?: string }> {
    if (scope === 'unscoped') return {};
    if (!scope) {
      // Keystone scopes to the default project when it can, and falls back to unscoped.
      const { defaultProjectId } = identity;
      const usable =
        defaultProjectId && (await effectiveRoles(this.dataSource, identity.userId, defaultProjectId)).length;
      return usable ? { projectId: defaultProjectId } : {};
    }
    if (scope.system) throw new ApiError('unauthorized', 'System scope is not supported by this cloud.');
    if (scope.project) {
      const projects = this.dataSource.getRepository(Project);
      let project: Project | null;
      if (scope.project.id) {
        project = await projects.findOneBy({ id: scope.project.id });
      } else {
        const domain = await this.findDomain(scope.project.domain!);
        project = domain ? await projects.findOneBy({ name: scope.project.name, domainId: domain.id }) : null;
      }
      if (!project || !project.enabled) throw unauthorized();
      await this.requireRoles(identity.userId, project.id);
      return { projectId: project.id };
    }
    if (scope.domain) {
      const domain = await this.findDomain(scope.domain);
      if (!domain || !domain.enabled) throw unauthorized();
      await this.requireRoles(identity.userId, domain.id);
      return { domainId: domain.id };
    }
    return {};
  }

  /** A scope needs at least one role on it, else Keystone answers 401. */
  private async requireRoles(userId: string, targetId: string): Promise<void> {
    if ((await effectiveRoles(this.dataSource, userId, targetId)).length === 0) throw unauthorized();
  }
}
