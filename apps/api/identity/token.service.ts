import { createHash, randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DataSource, IsNull } from 'typeorm';
import { type Settings } from '../../../common/config';
import { TokenRecord } from '../../../entities';
import { type AuthContext } from '../common/auth/auth-context';
import { SETTINGS } from '../settings.module';

const digestOf = (token: string) => createHash('sha256').update(token).digest('hex');

interface CachedContext {
  auth: AuthContext | undefined;
  until: number;
}

interface ScopeRow {
  user_id: string;
  user_name: string;
  user_enabled: boolean;
  user_domain_id: string;
  user_domain_name: string;
  user_domain_enabled: boolean;
  project_id: string | null;
  project_name: string | null;
  project_enabled: boolean | null;
  project_domain_id: string | null;
  project_domain_name: string | null;
  domain_id: string | null;
  domain_name: string | null;
  audit_id: string;
  methods: string[];
  issued_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

/**
 * Issues, validates and revokes tokens. A token is 32 random bytes; the database keeps only its
 * SHA-256 digest, so tokens survive an API restart and can be revoked. Validation results are
 * cached for [token] cache_time seconds, which bounds how long a revocation takes to be seen by
 * other API processes (this process forgets a token the moment it revokes it).
 */
@Injectable()
export class TokenService {
  private readonly cache = new Map<string, CachedContext>();

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async issue(scope: {
    userId: string;
    projectId?: string;
    domainId?: string;
    methods: string[];
    expiresAt?: Date;
  }): Promise<{ token: string; auth: AuthContext }> {
    const token = randomBytes(32).toString('base64url');
    const issuedAt = new Date();
    const lifetime = new Date(issuedAt.getTime() + this.settings.config.token.expiration * 1000);
    // A token obtained from another token never outlives it.
    const expiresAt = scope.expiresAt && scope.expiresAt < lifetime ? scope.expiresAt : lifetime;
    await this.dataSource.getRepository(TokenRecord).insert({
      digest: digestOf(token),
      auditId: randomBytes(16).toString('base64url').slice(0, 22),
      userId: scope.userId,
      projectId: scope.projectId ?? null,
      domainId: scope.domainId ?? null,
      methods: scope.methods,
      issuedAt,
      expiresAt,
      revokedAt: null,
    });
    const auth = await this.load(digestOf(token));
    if (!auth) throw new Error('a token just issued did not validate');
    return { token, auth };
  }

  /** The auth context of a valid token, or undefined when it is unknown, expired, revoked or disabled. */
  async validate(token: string): Promise<AuthContext | undefined> {
    const digest = digestOf(token);
    const now = Date.now();
    const cached = this.cache.get(digest);
    if (cached && cached.until > now) {
      return cached.auth && cached.auth.expiresAt.getTime() > now ? cached.auth : undefined;
    }
    const auth = await this.load(digest);
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(digest, { auth, until: now + this.settings.config.token.cache_time * 1000 });
    return auth;
  }

  async revoke(token: string): Promise<boolean> {
    const digest = digestOf(token);
    this.cache.delete(digest);
    const result = await this.dataSource
      .getRepository(TokenRecord)
      .update({ digest, revokedAt: IsNull() }, { revokedAt: new Date() });
    return (result.affected ?? 0) > 0;
  }

  /** Every token of a user stops working, as when Keystone disables or deletes the user. */
  forgetCachedTokens(): void {
    this.cache.clear();
  }

  private async load(digest: string): Promise<AuthContext | undefined> {
    const rows: ScopeRow[] = await this.dataSource.query(
      `SELECT t.audit_id, t.methods, t.issued_at, t.expires_at, t.revoked_at,
              u.id AS user_id, u.name AS user_name, u.enabled AS user_enabled,
              ud.id AS user_domain_id, ud.name AS user_domain_name, ud.enabled AS user_domain_enabled,
              p.id AS project_id, p.name AS project_name, p.enabled AS project_enabled,
              pd.id AS project_domain_id, pd.name AS project_domain_name,
              d.id AS domain_id, d.name AS domain_name
         FROM tokens t
         JOIN users u ON u.id = t.user_id
         JOIN domains ud ON ud.id = u.domain_id
         LEFT JOIN projects p ON p.id = t.project_id
         LEFT JOIN domains pd ON pd.id = p.domain_id
         LEFT JOIN domains d ON d.id = t.domain_id
        WHERE t.digest = $1`,
      [digest],
    );
    const row = rows[0];
    if (!row || row.revoked_at || row.expires_at.getTime() <= Date.now()) return undefined;
    if (!row.user_enabled || !row.user_domain_enabled || row.project_enabled === false) return undefined;
    const target = row.project_id ?? row.domain_id;
    const roles = target ? await effectiveRoles(this.dataSource, row.user_id, target) : [];
    if (target && roles.length === 0) return undefined;
    return {
      userId: row.user_id,
      userName: row.user_name,
      userDomainId: row.user_domain_id,
      userDomainName: row.user_domain_name,
      projectId: row.project_id ?? undefined,
      projectName: row.project_name ?? undefined,
      projectDomainId: row.project_domain_id ?? undefined,
      projectDomainName: row.project_domain_name ?? undefined,
      domainId: row.domain_id ?? undefined,
      domainName: row.domain_name ?? undefined,
      roles,
      auditId: row.audit_id,
      methods: row.methods,
      issuedAt: row.issued_at,
      expiresAt: row.expires_at,
    };
  }
}

/** Roles a user holds on a project or domain, directly or implied (admin → member → reader). */
export async function effectiveRoles(
  dataSource: DataSource,
  userId: string,
  targetId: string,
): Promise<{ id: string; name: string }[]> {
  return dataSource.query(
    `WITH RECURSIVE granted(role_id) AS (
         SELECT role_id FROM role_assignments WHERE actor_id = $1 AND target_id = $2
       UNION
         SELECT i.implied_role_id FROM implied_roles i JOIN granted g ON i.prior_role_id = g.role_id
     )
     SELECT r.id, r.name FROM roles r JOIN granted g ON g.role_id = r.id ORDER BY r.name`,
    [userId, targetId],
  );
}
