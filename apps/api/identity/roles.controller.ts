import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { Role } from '../../../entities';
import { type AuthContext, Caller } from '../common/auth/auth-context';
import { enforce } from '../common/policy';
import { validateBody } from '../common/validation';
import { newKeystoneId } from './ids';
import { IdentityStore } from './identity-store';
import { type RoleBody, roleSchema } from './identity.schemas';
import { IdentityViews } from './views';
import { JsonSchemaBody, QueryParams, Returns } from '../common/openapi';
import { str, wrapped } from '../common/openapi-shapes';
import { keystoneList, ROLE } from './identity-shapes';

@Controller('identity/v3/roles')
export class RolesController {
  constructor(
    private readonly views: IdentityViews,
    private readonly store: IdentityStore,
  ) {}

  private get repo() {
    return this.store.dataSource.getRepository(Role);
  }

  @QueryParams({ name: str })
  @Returns(200, keystoneList('roles', ROLE))
  @Get()
  async list(@Caller() caller: AuthContext, @Query('name') name?: string) {
    enforce(caller, 'identity:list_roles');
    const roles = await this.repo.find({ where: name ? { name } : {}, order: { name: 'ASC' } });
    return this.views.collection(
      'roles',
      roles.map((role) => this.views.role(role)),
    );
  }

  @Returns(200, wrapped('role', ROLE))
  @Get(':id')
  async show(@Caller() caller: AuthContext, @Param('id') id: string) {
    enforce(caller, 'identity:get_role');
    return { role: this.views.role(await this.store.role(id)) };
  }

  @Returns(201, wrapped('role', ROLE))
  @JsonSchemaBody(roleSchema(['name']))
  @Post()
  @HttpCode(201)
  async create(@Caller() caller: AuthContext, @Body() body: unknown) {
    enforce(caller, 'identity:create_role');
    const { role } = validateBody<RoleBody>(roleSchema(['name']), body, 'keystone');
    const id = newKeystoneId();
    await this.store.store('role', `name ${role.name}`, () =>
      this.repo.insert({ id, name: role.name!, description: role.description ?? null }),
    );
    return { role: this.views.role(await this.store.role(id)) };
  }

  @Returns(200, wrapped('role', ROLE))
  @JsonSchemaBody(roleSchema([]))
  @Patch(':id')
  async update(@Caller() caller: AuthContext, @Param('id') id: string, @Body() body: unknown) {
    enforce(caller, 'identity:update_role');
    const { role } = validateBody<RoleBody>(roleSchema([]), body, 'keystone');
    await this.store.role(id);
    const changes = {
      ...(role.name !== undefined && { name: role.name }),
      ...(role.description !== undefined && { description: role.description }),
    };
    if (Object.keys(changes).length > 0) {
      await this.store.store('role', `name ${role.name}`, () => this.repo.update({ id }, changes));
    }
    return { role: this.views.role(await this.store.role(id)) };
  }

  @Returns(204)
  @Delete(':id')
  @HttpCode(204)
  async remove(@Caller() caller: AuthContext, @Param('id') id: string) {
    enforce(caller, 'identity:delete_role');
    await this.store.role(id);
    await this.repo.delete({ id });
  }
}
