import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type Response } from 'express';
import { type Settings } from '../../../../common/config';
import { TokenService } from '../../identity/token.service';
import { SETTINGS } from '../../settings.module';
import { ApiError } from '../api-error';
import { type AuthenticatedRequest, PUBLIC_ROUTE } from './auth-context';

/**
 * keystonemiddleware's job: every route not marked @Public() needs a valid X-Auth-Token; a
 * missing, bad, expired or revoked one gets 401 with `WWW-Authenticate: Keystone uri="..."`.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, [context.getHandler(), context.getClass()])) {
      return true;
    }
    const http = context.switchToHttp();
    const req = http.getRequest<AuthenticatedRequest>();
    const token = req.header('x-auth-token');
    const auth = token ? await this.tokens.validate(token) : undefined;
    if (!auth) {
      http
        .getResponse<Response>()
        .setHeader('WWW-Authenticate', `Keystone uri="${this.settings.env.publicUrl}/identity"`);
      throw new ApiError('unauthorized', 'The request you have made requires authentication.');
    }
    req.auth = auth;
    return true;
  }
}
