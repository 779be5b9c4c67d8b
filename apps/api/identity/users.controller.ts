import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { Project, User } from '../../../entities';
import { ApiError } from '../common/api-error';
import { type AuthContext, Caller } from '../common/auth/auth-context';
import { enforce } from '../common/policy';
import { validateBody } from '../common/validation';
import { newKeystoneId } from './ids';
import { IdentityStore, LIST_FILTER_PARAMS, listFilters } from './identity-store';
import { passwordChangeSchema, type UserBody, userSchema } from './identity.schemas';
import { LoginThrottle } from './login-throttle';
import { PasswordHashing } from './password-hashing';
import { TokenService } from './token.service';
import { IdentityViews } from './views';
import { JsonSchemaBody, QueryParams, Returns } from '../common/openapi';
import { keystoneList, PROJECT, USER } from './identity-shapes';
import { wrapped } from '../common/openapi-shapes';

@Controller('identity/v3/users')
export class UsersController {
  constructor(
    private readonly views: IdentityViews,
    private readonly store: IdentityStore,
    private readonly tokens: TokenService,
    private readonly passwords: PasswordHashing,
    private readonly throttle: LoginThrottle,
  ) {}

  private get repo() {
    return this.store.dataSource.getRepository(User);
  }

  @QueryParams(LIST_FILTER_PARAMS)
  @Returns(200, keystoneList('users', USER))
  @Get()
  async list(
    @Caller() caller: AuthContext,
    @Query('name') name?: string,
    @Query('domain_id') domainId?: string,
    @Query('enabled') enabled?: string,
  ) {
    enforce(caller, 'identity:list_users');
    const users = await this.repo.find({
      where: listFilters({ name, domainId, enabled }),
      order: { name: 'ASC' },
    });
    return this.views.collection(
      'users',
      users.map((user) => this.views.user(user)),
    );
  }

  @Returns(200, wrapped('user', USER))
  @Get(':id')
  async show(@Caller() caller: AuthContext, @Param('id') id: string) {
    enforce(caller, 'identity:get_user', { userId: id });
    return { user: this.views.user(await this.store.user(id)) };
  }

  @Returns(200, keystoneList('projects', PROJECT))
  @Get(':id/projects')
  async projects(@Caller() caller: AuthContext, @Param('id') id: string) {
    enforce(caller, 'identity:list_user_projects', { userId: id });
    await this.store.user(id);
    const projects = await this.store.dataSource
      .getRepository(Project)
      .createQueryBuilder('p')
      .where(
        `p.id IN (SELECT target_id FROM role_assignments WHERE actor_id = :id AND type = 'UserProject')`,
        { id },
      )
      .orderBy('p.name')
      .getMany();
    return this.views.collection(
      'projects',
      projects.map((project) => this.views.project(project)),
    );
  }

  @Returns(201, wrapped('user', USER))
  @JsonSchemaBody(userSchema(['name']))
  @Post()
  @HttpCode(201)
  async create(@Caller() caller: AuthContext, @Body() body: unknown) {
    enforce(caller, 'identity:create_user');
    const { user } = validateBody<UserBody>(userSchema(['name']), body, 'keystone');
    const domainId = user.domain_id ?? caller.projectDomainId ?? 'default';
    await this.store.domain(domainId);
    if (user.default_project_id) await this.store.project(user.default_project_id);
    const created = {
      id: newKeystoneId(),
      name: user.name!,
      domainId,
      passwordHash: user.password ? await this.passwords.hash(user.password) : null,
      enabled: user.enabled ?? true,
      email: user.email ?? null,
      description: user.description ?? null,
      defaultProjectId: user.default_project_id ?? null,
    };
    await this.store.store('user', `name ${user.name} at domain ID ${domainId}`, () =>
      this.repo.insert(created),
    );
    return { user: this.views.user(await this.store.user(created.id)) };
  }

  @Returns(200, wrapped('user', USER))
  @JsonSchemaBody(userSchema([]))
  @Patch(':id')
  async update(@Caller() caller: AuthContext, @Param('id') id: string, @Body() body: unknown) {
    enforce(caller, 'identity:update_user');
    const { user } = validateBody<UserBody>(userSchema([]), body, 'keystone');
    const existing = await this.store.user(id);
    if (user.default_project_id) await this.store.project(user.default_project_id);
    const changes = {
      ...(user.name !== undefined && { name: user.name }),
      ...(user.enabled !== undefined && { enabled: user.enabled }),
      ...(user.email !== undefined && { email: user.email }),
      ...(user.description !== undefined && { description: user.description }),
      ...(user.default_project_id !== undefined && { defaultProjectId: user.default_project_id }),
      ...(user.password !== undefined && {
        passwordHash: user.password ? await this.passwords.hash(user.password) : null,
      }),
    };
    if (Object.keys(changes).length > 0) {
      await this.store.store('user', `name ${user.name} at domain ID ${existing.domainId}`, () =>
        this.repo.update({ id }, changes),
      );
    }
    // A disabled user or a new password ends the user's tokens, as in Keystone.
    if (user.enabled === false || user.password !== undefined) await this.revokeTokensOf(id);
    // Enabling a user unlocks it, as Keystone's User.enabled setter clears its failed logins.
    if (user.enabled === true) await this.throttle.resetUser(id);
    return { user: this.views.user(await this.store.user(id)) };
  }

  @Returns(204)
  @JsonSchemaBody(passwordChangeSchema)
  @Post(':id/password')
  @HttpCode(204)
  async changePassword(@Caller() caller: AuthContext, @Param('id') id: string, @Body() body: unknown) {
    enforce(caller, 'identity:change_password', { userId: id });
    const { user } = validateBody<{ user: { password: string; original_password: string } }>(
      passwordChangeSchema,
      body,
      'keystone',
    );
    const existing = await this.repo.findOne({ where: { id }, select: { id: true, passwordHash: true } });
    if (!existing) throw new ApiError('itemNotFound', `Could not find user: ${id}.`);
    if (
      !existing.passwordHash ||
      !(await this.passwords.verify(existing.passwordHash, user.original_password))
    ) {
      throw new ApiError('unauthorized', 'The request you have made requires authentication.');
    }
    await this.repo.update({ id }, { passwordHash: await this.passwords.hash(user.password) });
    await this.revokeTokensOf(id);
  }

  @Returns(204)
  @Delete(':id')
  @HttpCode(204)
  async remove(@Caller() caller: AuthContext, @Param('id') id: string) {
    enforce(caller, 'identity:delete_user');
    await this.store.user(id);
    await this.repo.delete({ id });
    this.tokens.forgetCachedTokens();
  }

  private async revokeTokensOf(userId: string): Promise<void> {
    await this.store.dataSource.query(
      'UPDATE tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL',
      [userId],
    );
    this.tokens.forgetCachedTokens();
  }
}
