import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { PUBLIC_ROUTE_EXTENSION } from '../openapi-document';
import { type Request } from 'express';

/** Who is calling, as a validated token says: Keystone's auth context, as keystonemiddleware passes it on. */
export interface AuthContext {
  userId: string;
  userName: string;
  userDomainId: string;
  userDomainName: string;
  /** Project scope; undefined for unscoped and domain-scoped tokens. */
  projectId?: string;
  projectName?: string;
  projectDomainId?: string;
  projectDomainName?: string;
  /** Domain scope, when the token is domain-scoped. */
  domainId?: string;
  domainName?: string;
  /** Effective roles on the scope, implied roles included (admin implies member implies reader). */
  roles: { id: string; name: string }[];
  auditId: string;
  methods: string[];
  issuedAt: Date;
  expiresAt: Date;
}

export type AuthenticatedRequest = Request & { auth?: AuthContext };

export const hasRole = (auth: AuthContext, role: string) => auth.roles.some((r) => r.name === role);
export const isAdmin = (auth: AuthContext) => hasRole(auth, 'admin');

/** The caller of the current request; only on routes that are not @Public(). */
export const Caller = createParamDecorator((_data: unknown, context: ExecutionContext): AuthContext => {
  const auth = context.switchToHttp().getRequest<AuthenticatedRequest>().auth;
  if (!auth) throw new Error('@Caller() used on a public route');
  return auth;
});

export const PUBLIC_ROUTE = 'novaflow:public';

/** Marks a route that needs no token (version documents, issuing a token, health). */
export const Public = () =>
  applyDecorators(SetMetadata(PUBLIC_ROUTE, true), ApiExtension(PUBLIC_ROUTE_EXTENSION, true));
