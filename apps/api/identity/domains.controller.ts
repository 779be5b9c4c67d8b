import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { isForeignKeyViolation } from '../../../common/db-errors';
import { Domain } from '../../../entities';
import { ApiError } from '../common/api-error';
import { type AuthContext, Caller } from '../common/auth/auth-context';
import { enforce } from '../common/policy';
import { validateBody } from '../common/validation';
import { newKeystoneId } from './ids';
import { IdentityStore, LIST_FILTER_PARAMS, listFilters } from './identity-store';
import { type DomainBody, domainSchema } from './identity.schemas';
import { IdentityViews } from './views';
import { JsonSchemaBody, QueryParams, Returns } from '../common/openapi';
import { wrapped } from '../common/openapi-shapes';
import { DOMAIN, keystoneList } from './identity-shapes';

@Controller('identity/v3/domains')
export class DomainsController {
  constructor(
    private readonly views: IdentityViews,
    private readonly store: IdentityStore,
  ) {}

  private get repo() {
    return this.store.dataSource.getRepository(Domain);
  }

  @QueryParams({ name: LIST_FILTER_PARAMS.name, enabled: LIST_FILTER_PARAMS.enabled })
  @Returns(200, keystoneList('domains', DOMAIN))
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

  @Returns(200, wrapped('domain', DOMAIN))
  @Get(':id')
  async show(@Caller() caller: AuthContext, @Param('id') id: string) {
    enforce(caller, 'identity:get_domain', { domainId: id });
    return { domain: this.views.domain(await this.store.domain(id)) };
  }

  @Returns(201, wrapped('domain', DOMAIN))
  @JsonSchemaBody(domainSchema(['name']))
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

  @Returns(200, wrapped('domain', DOMAIN))
  @JsonSchemaBody(domainSchema([]))
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
    // A body that changes nothing ({"domain": {}}) is the domain as it is, as for projects.
    if (Object.keys(changes).length > 0) {
      await this.store.store('domain', `name ${domain.name}`, () =>
        this.repo.update({ id: existing.id }, changes),
      );
    }
    return { domain: this.views.domain(await this.store.domain(id)) };
  }

  @Returns(204)
  @Delete(':id')
  @HttpCode(204)
  async remove(@Caller() caller: AuthContext, @Param('id') id: string) {
    enforce(caller, 'identity:delete_domain');
    const domain = await this.store.domain(id);
    if (domain.enabled) {
      throw new ApiError('forbidden', 'Cannot delete a domain that is enabled, please disable it first.');
    }
    // Keystone deletes what the domain holds with it; here a domain must be emptied first (its
    // projects and users reference it), and one that is not is the caller's 409, never a 500.
    await this.repo.delete({ id }).catch((error: unknown) => {
      if (!isForeignKeyViolation(error)) throw error;
      throw new ApiError(
        'conflictingRequest',
        `Cannot delete domain ${id}: it still holds projects or users; delete them first.`,
      );
    });
  }
}
