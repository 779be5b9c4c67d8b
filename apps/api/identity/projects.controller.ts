import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { Project } from '../../../entities';
import { ApiError } from '../common/api-error';
import { type AuthContext, Caller } from '../common/auth/auth-context';
import { enforce } from '../common/policy';
import { validateBody } from '../common/validation';
import { newKeystoneId } from './ids';
import { IdentityStore, LIST_FILTER_PARAMS, listFilters } from './identity-store';
import { type ProjectBody, projectSchema } from './identity.schemas';
import { IdentityViews } from './views';
import { JsonSchemaBody, QueryParams, Returns } from '../common/openapi';
import { wrapped } from '../common/openapi-shapes';
import { keystoneList, PROJECT } from './identity-shapes';

@Controller('identity/v3/projects')
export class ProjectsController {
  constructor(
    private readonly views: IdentityViews,
    private readonly store: IdentityStore,
  ) {}

  private get repo() {
    return this.store.dataSource.getRepository(Project);
  }

  @QueryParams(LIST_FILTER_PARAMS)
  @Returns(200, keystoneList('projects', PROJECT))
  @Get()
  async list(
    @Caller() caller: AuthContext,
    @Query('name') name?: string,
    @Query('domain_id') domainId?: string,
    @Query('enabled') enabled?: string,
  ) {
    enforce(caller, 'identity:list_projects');
    const projects = await this.repo.find({
      where: listFilters({ name, domainId, enabled }),
      order: { name: 'ASC' },
    });
    return this.views.collection(
      'projects',
      projects.map((project) => this.views.project(project)),
    );
  }

  @Returns(200, wrapped('project', PROJECT))
  @Get(':id')
  async show(@Caller() caller: AuthContext, @Param('id') id: string) {
    enforce(caller, 'identity:get_project', { projectId: id });
    return { project: this.views.project(await this.store.project(id)) };
  }

  @Returns(201, wrapped('project', PROJECT))
  @JsonSchemaBody(projectSchema(['name']))
  @Post()
  @HttpCode(201)
  async create(@Caller() caller: AuthContext, @Body() body: unknown) {
    enforce(caller, 'identity:create_project');
    const { project } = validateBody<ProjectBody>(projectSchema(['name']), body, 'keystone');
    const domainId = project.domain_id ?? project.parent_id ?? caller.projectDomainId ?? 'default';
    await this.store.domain(domainId);
    if (project.parent_id && project.parent_id !== domainId) {
      throw new ApiError(
        'badRequest',
        'Project hierarchies are not supported: parent_id must be the domain.',
      );
    }
    const created = this.repo.create({
      id: newKeystoneId(),
      name: project.name!,
      domainId,
      description: project.description ?? '',
      enabled: project.enabled ?? true,
      tags: project.tags ?? [],
    });
    await this.store.store('project', `name ${project.name} at domain ID ${domainId}`, () =>
      this.repo.insert(created),
    );
    return { project: this.views.project(await this.store.project(created.id)) };
  }

  @Returns(200, wrapped('project', PROJECT))
  @JsonSchemaBody(projectSchema([]))
  @Patch(':id')
  async update(@Caller() caller: AuthContext, @Param('id') id: string, @Body() body: unknown) {
    enforce(caller, 'identity:update_project');
    const { project } = validateBody<ProjectBody>(projectSchema([]), body, 'keystone');
    const existing = await this.store.project(id);
    const changes = {
      ...(project.name !== undefined && { name: project.name }),
      ...(project.description !== undefined && { description: project.description ?? '' }),
      ...(project.enabled !== undefined && { enabled: project.enabled }),
      ...(project.tags !== undefined && { tags: project.tags }),
    };
    if (Object.keys(changes).length > 0) {
      await this.store.store('project', `name ${project.name} at domain ID ${existing.domainId}`, () =>
        this.repo.update({ id }, changes),
      );
    }
    return { project: this.views.project(await this.store.project(id)) };
  }

  @Returns(204)
  @Delete(':id')
  @HttpCode(204)
  async remove(@Caller() caller: AuthContext, @Param('id') id: string) {
    enforce(caller, 'identity:delete_project');
    await this.store.project(id);
    await this.store.dataSource.transaction(async (db) => {
      await db.query(`DELETE FROM role_assignments WHERE target_id = $1 AND type = 'UserProject'`, [id]);
      await db.getRepository(Project).delete({ id });
    });
  }
}
