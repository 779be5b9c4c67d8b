import { Inject, Injectable } from '@nestjs/common';
import { type Settings } from '../../../common/config';
import { type Domain, type Project, type Role, type User } from '../../../entities';
import { type AuthContext } from '../common/auth/auth-context';
import { SETTINGS } from '../settings.module';
import { type CatalogEntry } from './catalog';

/** Keystone's JSON for each identity resource, with its self link. */
@Injectable()
export class IdentityViews {
  private readonly publicUrl: string;

  constructor(@Inject(SETTINGS) settings: Settings) {
    this.publicUrl = settings.env.publicUrl;
  }

  private link(collection: string, id: string) {
    return { self: `${this.publicUrl}/identity/v3/${collection}/${id}` };
  }

  collection(collection: string, items: unknown[]) {
    return {
      [collection]: items,
      links: { self: `${this.publicUrl}/identity/v3/${collection}`, previous: null, next: null },
    };
  }

  domain(domain: Domain) {
    return {
      id: domain.id,
      name: domain.name,
      description: domain.description,
      enabled: domain.enabled,
      tags: [],
      options: {},
      links: this.link('domains', domain.id),
    };
  }

  project(project: Project) {
    return {
      id: project.id,
      name: project.name,
      domain_id: project.domainId,
      description: project.description,
      enabled: project.enabled,
      parent_id: project.domainId,
      is_domain: false,
      tags: project.tags,
      options: {},
      links: this.link('projects', project.id),
    };
  }

  user(user: User) {
    return {
      id: user.id,
      name: user.name,
      domain_id: user.domainId,
      enabled: user.enabled,
      password_expires_at: null,
      options: user.ignoreLockoutFailureAttempts ? { ignore_lockout_failure_attempts: true } : {},
      ...(user.email !== null && { email: user.email }),
      ...(user.description !== null && { description: user.description }),
      ...(user.defaultProjectId !== null && { default_project_id: user.defaultProjectId }),
      links: this.link('users', user.id),
    };
  }

  role(role: Role) {
    return {
      id: role.id,
      name: role.name,
      domain_id: null,
      description: role.description,
      options: {},
      links: this.link('roles', role.id),
    };
  }

  /** The body of POST and GET /v3/auth/tokens. */
  token(auth: AuthContext, catalog: CatalogEntry[] | undefined) {
    return {
      token: {
        methods: auth.methods,
        user: {
          id: auth.userId,
          name: auth.userName,
          domain: { id: auth.userDomainId, name: auth.userDomainName },
          password_expires_at: null,
        },
        audit_ids: [auth.auditId],
        expires_at: auth.expiresAt.toISOString().replace('Z', '000Z'),
        issued_at: auth.issuedAt.toISOString().replace('Z', '000Z'),
        ...(auth.projectId && {
          project: {
            id: auth.projectId,
            name: auth.projectName,
            domain: { id: auth.projectDomainId, name: auth.projectDomainName },
          },
          is_domain: false,
        }),
        ...(auth.domainId && { domain: { id: auth.domainId, name: auth.domainName } }),
        ...((auth.projectId || auth.domainId) && { roles: auth.roles.map(({ id, name }) => ({ id, name })) }),
        ...(catalog && { catalog }),
      },
    };
  }
}
