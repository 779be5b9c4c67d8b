import { Body, Controller, Delete, Get, Head, HttpCode, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { type Request, type Response } from 'express';
import { DataSource } from 'typeorm';
import { type Settings } from '../../../common/config';
import { Domain, Project } from '../../../entities';
import { ApiError } from '../common/api-error';
import { type AuthContext, Caller, isAdmin, Public } from '../common/auth/auth-context';
import { validateBody } from '../common/validation';
import { SETTINGS } from '../settings.module';
import { type AuthRequest, authRequestSchema } from './auth.schema';
import { AuthenticationService } from './authentication.service';
import { clientAddress } from './login-throttle';
import { serviceCatalog } from './catalog';
import { TokenService } from './token.service';
import { IdentityViews } from './views';
import { ErrorStatuses, JsonSchemaBody, QueryParams, Returns, SubjectToken } from '../common/openapi';
import { CATALOG, DOMAIN, keystoneList, PROJECT, TOKEN } from './identity-shapes';
import { obj, str } from '../common/openapi-shapes';

/** Keystone's /v3/auth: issue, validate and revoke tokens; what a token may be scoped to. */
@Controller('identity/v3/auth')
export class AuthController {
  constructor(
    private readonly views: IdentityViews,
    private readonly authentication: AuthenticationService,
    private readonly tokens: TokenService,
    private readonly dataSource: DataSource,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  private catalogFor(auth: AuthContext, nocatalog: unknown) {
    const scoped = auth.projectId || auth.domainId;
    return scoped && nocatalog === undefined
      ? serviceCatalog(this.settings.env.publicUrl, auth.projectId)
      : undefined;
  }

  @Public()
  @JsonSchemaBody(authRequestSchema)
  @QueryParams({ nocatalog: str })
  @Returns(201, TOKEN)
  @ErrorStatuses(401, 429)
  @Post('tokens')
  @HttpCode(201)
  async issue(
    @Body() body: unknown,
    @Query('nocatalog') nocatalog: unknown,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ) {
    const request = validateBody<AuthRequest>(authRequestSchema, body, 'keystone');
    const { token, auth } = await this.authentication.authenticate(
      request.auth,
      clientAddress(req.socket.remoteAddress),
    );
    res.setHeader('X-Subject-Token', token);
    return this.views.token(auth, this.catalogFor(auth, nocatalog));
  }

  /** The token named by X-Subject-Token, for its owner, a service or an admin. */
  private async subject(caller: AuthContext, req: Request): Promise<{ token: string; auth: AuthContext }> {
    const token = req.header('x-subject-token');
    if (!token) throw new ApiError('badRequest', 'X-Subject-Token is required.');
    const auth = await this.tokens.validate(token);
    if (!auth || (auth.userId !== caller.userId && !isAdmin(caller))) {
      throw new ApiError('itemNotFound', `Could not find token: ${token}.`);
    }
    return { token, auth };
  }

  @QueryParams({ nocatalog: str })
  @Returns(200, TOKEN)
  @SubjectToken()
  @Get('tokens')
  async validate(
    @Caller() caller: AuthContext,
    @Req() req: Request,
    @Query('nocatalog') nocatalog: unknown,
    @Res({ passthrough: true }) res: Response,
  ) {
    const { token, auth } = await this.subject(caller, req);
    res.setHeader('X-Subject-Token', token);
    return this.views.token(auth, this.catalogFor(auth, nocatalog));
  }

  @Returns(200)
  @SubjectToken()
  @Head('tokens')
  @HttpCode(200)
  async check(@Caller() caller: AuthContext, @Req() req: Request): Promise<void> {
    await this.subject(caller, req);
  }

  @Returns(204)
  @SubjectToken()
  @Delete('tokens')
  @HttpCode(204)
  async revoke(@Caller() caller: AuthContext, @Req() req: Request): Promise<void> {
    const { token } = await this.subject(caller, req);
    await this.tokens.revoke(token);
  }

  @Returns(200, obj({ catalog: CATALOG, links: obj({ self: str }) }, ['catalog']))
  @Get('catalog')
  catalog(@Caller() caller: AuthContext) {
    return {
      catalog: serviceCatalog(this.settings.env.publicUrl, caller.projectId),
      links: { self: `${this.settings.env.publicUrl}/identity/v3/auth/catalog` },
    };
  }

  /** Projects the caller holds a role on: what it may scope a token to. */
  @Returns(200, keystoneList('projects', PROJECT))
  @Get('projects')
  async projects(@Caller() caller: AuthContext) {
    const projects = await this.dataSource
      .getRepository(Project)
      .createQueryBuilder('p')
      .where(
        `p.id IN (SELECT target_id FROM role_assignments WHERE actor_id = :user AND type = 'UserProject')`,
        {
          user: caller.userId,
        },
      )
      .andWhere('p.enabled')
      .orderBy('p.name')
      .getMany();
    return this.views.collection(
      'projects',
      projects.map((project) => this.views.project(project)),
    );
  }

  @Returns(200, keystoneList('domains', DOMAIN))
  @Get('domains')
  async domains(@Caller() caller: AuthContext) {
    const domains = await this.dataSource
      .getRepository(Domain)
      .createQueryBuilder('d')
      .where(
        `d.id IN (SELECT target_id FROM role_assignments WHERE actor_id = :user AND type = 'UserDomain')`,
        {
          user: caller.userId,
        },
      )
      .orderBy('d.name')
      .getMany();
    return this.views.collection(
      'domains',
      domains.map((domain) => this.views.domain(domain)),
    );
  }
}
