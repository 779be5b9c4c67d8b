import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { Role } from '../../../entities';
import { type AuthContext, Caller } from '../common/auth/auth-context';
import { enforce } from '../common/policy';
import { validateBody } from '../common/validation';
import { newKeystoneId } from './ids';
import { IdentityStore } from './identity-store';
import { type RoleBody, roleSchema } from './identity.schemas';
import { IdentityViews } from './views';

@Controller('identity/v3/roles')
export class RolesController {
  constructor(
    private readonly views: IdentityViews,
    private readonly store: IdentityStore,
  ) {}

  private get repo() {
    return this.store.dataSource.getRepository(Role);
  }

  @Get()
  async list(@Caller() caller: AuthContext, @Query('name') name?: string) {
    enforce(caller, 'identity:list_roles');
    const roles = await this.repo.find({ where: name ? { name } : {}, order: { name: 'ASC' } });
    return this.views.collection(
      'roles',
      roles.map((role) => this.views.role(role)),
    );
  }

  @Get(':id')
  async show(@Caller() caller: AuthContext, @Param('id') id: string) {
    enforce(caller, 'identity:get_role');
    return { role: this.views.role(await this.store.role(id)) };
  }

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

  @Delete(':id')
  @HttpCode(204)
  async remove(@Caller() caller: AuthContext, @Param('id') id: string) {
    enforce(caller, 'identity:delete_role');
    await this.store.role(id);
    await this.repo.delete({ id });
  }
}
