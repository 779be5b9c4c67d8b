import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { Domain } from '../../../entities';
import { ApiError } from '../common/api-error';
import { type AuthContext, Caller } from '../common/auth/auth-context';
import { enforce } from '../common/policy';
import { validateBody } from '../common/validation';
import { newKeystoneId } from './ids';
import { IdentityStore, listFilters } from './identity-store';
import { type DomainBody, domainSchema } from './identity.schemas';
import { IdentityViews } from './views';

@Controller('identity/v3/domains')
export class DomainsController {
  constructor(
    private readonly views: IdentityViews,
    private readonly store: IdentityStore,
  ) {}

  private get repo() {
    return this.store.dataSource.getRepository(Domain);
  }

  @Get()
  async list(
    @Caller() caller: AuthContext,
    @Query('name') name?: string,
    @Query('enabled') enabled?: string,
  ) {
    enforce(caller, 'identity:list_domains');
    const domains = await this.repo.find({
      where: listFilters({ name, enabled }),
      order: { name: 'ASC' },
    });
    return this.views.collection(
      'domains',
      domains.map((domain) => this.views.domain(domain)),
    );
  }

  @Get(':id')
  async show(@Caller() caller: AuthContext, @Param('id') id: string) {
    enforce(caller, 'identity:get_domain', { domainId: id });
    return { domain: this.views.domain(await this.store.domain(id)) };
  }

  @Post()
  @HttpCode(201)
  async create(@Caller() caller: AuthContext, @Body() body: unknown) {
    enforce(caller, 'identity:create_domain');
    const { domain } = validateBody<DomainBody>(domainSchema(['name']), body, 'keystone');
    const created = this.repo.create({
      id: newKeystoneId(),
      name: domain.name!,
      description: domain.description ?? '',
      enabled: domain.enabled ?? true,
    });
    await this.store.store('domain', `name ${domain.name}`, () => this.repo.insert(created));
    return { domain: this.views.domain(await this.store.domain(created.id)) };
  }

  @Patch(':id')
  async update(@Caller() caller: AuthContext, @Param('id') id: string, @Body() body: unknown) {
    enforce(caller, 'identity:update_domain');
    const { domain } = validateBody<DomainBody>(domainSchema([]), body, 'keystone');
    const existing = await this.store.domain(id);
    const changes = {
      ...(domain.name !== undefined && { name: domain.name }),
      ...(domain.description !== undefined && { description: domain.description ?? '' }),
      ...(domain.enabled !== undefined && { enabled: domain.enabled }),
    };
    await this.store.store('domain', `name ${domain.name}`, () =>
      this.repo.update({ id: existing.id }, changes),
    );
    return { domain: this.views.domain(await this.store.domain(id)) };
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Caller() caller: AuthContext, @Param('id') id: string) {
    enforce(caller, 'identity:delete_domain');
    const domain = await this.store.domain(id);
    if (domain.enabled) {
      throw new ApiError('forbidden', 'Cannot delete a domain that is enabled, please disable it first.');
    }
    await this.repo.delete({ id });
  }
}
