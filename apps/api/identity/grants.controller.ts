import { Controller, Delete, Get, Head, HttpCode, Inject, Param, Put, Query } from '@nestjs/common';
import { type Settings } from '../../../common/config';
import { type AssignmentType, Role, RoleAssignment } from '../../../entities';
import { ApiError } from '../common/api-error';
import { type AuthContext, Caller } from '../common/auth/auth-context';
import { enforce } from '../common/policy';
import { SETTINGS } from '../settings.module';
import { IdentityStore } from './identity-store';
import { TokenService } from './token.service';
import { IdentityViews } from './views';
import { QueryParams, Returns } from '../common/openapi';
import { anyValue, obj, str } from '../common/openapi-shapes';
import { keystoneList, ROLE } from './identity-shapes';

type TargetKind = 'projects' | 'domains';

const ASSIGNMENT_TYPE: Record<TargetKind, AssignmentType> = {
  projects: 'UserProject',
  domains: 'UserDomain',
};

/** Role grants of a user on a project or a domain: PUT, check, list and revoke. */
@Controller('identity/v3')
export class GrantsController {
  constructor(
    private readonly views: IdentityViews,
    private readonly store: IdentityStore,
    private readonly tokens: TokenService,
    @Inject(SETTINGS) private readonly settings: Settings,
  ) {}

  private get repo() {
    return this.store.dataSource.getRepository(RoleAssignment);
  }

  private async resolve(kind: string, targetId: string, userId: string, roleId?: string) {
    if (kind !== 'projects' && kind !== 'domains')
      throw new ApiError('itemNotFound', 'The resource could not be found.');
    await (kind === 'projects' ? this.store.project(targetId) : this.store.domain(targetId));
    await this.store.user(userId);
    if (roleId) await this.store.role(roleId);
    return { type: ASSIGNMENT_TYPE[kind], actorId: userId, targetId, ...(roleId && { roleId }) };
  }

  @Returns(204)
  @Put(':kind/:targetId/users/:userId/roles/:roleId')
  @HttpCode(204)
  async grant(
    @Caller() caller: AuthContext,
    @Param('kind') kind: string,
    @Param('targetId') targetId: string,
    @Param('userId') userId: string,
    @Param('roleId') roleId: string,
  ) {
    enforce(caller, 'identity:create_grant');
    const assignment = await this.resolve(kind, targetId, userId, roleId);
    await this.repo.upsert(assignment as RoleAssignment, ['type', 'actorId', 'targetId', 'roleId']);
  }

  @Returns(204)
  @Head(':kind/:targetId/users/:userId/roles/:roleId')
  @Get(':kind/:targetId/users/:userId/roles/:roleId')
  @HttpCode(204)
  async check(
    @Caller() caller: AuthContext,
    @Param('kind') kind: string,
    @Param('targetId') targetId: string,
    @Param('userId') userId: string,
    @Param('roleId') roleId: string,
  ) {
    enforce(caller, 'identity:check_grant');
    const assignment = await this.resolve(kind, targetId, userId, roleId);
    if (!(await this.repo.existsBy(assignment))) {
      throw new ApiError(
        'itemNotFound',
        `Could not find role assignment with role: ${roleId}, user or group: ${userId}, project, domain, or system: ${targetId}.`,
      );
    }
  }

  @Returns(200, keystoneList('roles', ROLE))
  @Get(':kind/:targetId/users/:userId/roles')
  async list(
    @Caller() caller: AuthContext,
    @Param('kind') kind: string,
    @Param('targetId') targetId: string,
    @Param('userId') userId: string,
  ) {
    enforce(caller, 'identity:list_grants');
    const assignment = await this.resolve(kind, targetId, userId);
    const roles = await this.store.dataSource
      .getRepository(Role)
      .createQueryBuilder('r')
      .where(
        'r.id IN (SELECT role_id FROM role_assignments WHERE type = :type AND actor_id = :actorId AND target_id = :targetId)',
        assignment,
      )
      .orderBy('r.name')
      .getMany();
    return this.views.collection(
      'roles',
      roles.map((role) => this.views.role(role)),
    );
  }

  @Returns(204)
  @Delete(':kind/:targetId/users/:userId/roles/:roleId')
  @HttpCode(204)
  async revoke(
    @Caller() caller: AuthContext,
    @Param('kind') kind: string,
    @Param('targetId') targetId: string,
    @Param('userId') userId: string,
    @Param('roleId') roleId: string,
  ) {
    enforce(caller, 'identity:revoke_grant');
    const assignment = await this.resolve(kind, targetId, userId, roleId);
    const { affected } = await this.repo.delete(assignment);
    if (!affected) {
      throw new ApiError(
        'itemNotFound',
        `Could not find role assignment with role: ${roleId}, user or group: ${userId}, project, domain, or system: ${targetId}.`,
      );
    }
    this.tokens.forgetCachedTokens();
  }

  /** Keystone's /v3/role_assignments with the filters the CLI and Tempest use. */
  @QueryParams({
    'user.id': str,
    'scope.project.id': str,
    'scope.domain.id': str,
    'role.id': str,
    include_names: str,
  })
  @Returns(
    200,
    keystoneList(
      'role_assignments',
      obj(
        {
          role: obj({ id: str, name: str }, ['id']),
          user: obj({ id: str, name: str, domain: anyValue }, ['id']),
          scope: obj({ project: anyValue, domain: anyValue }),
          links: obj({ assignment: str }),
        },
        ['role', 'user', 'scope'],
      ),
    ),
  )
  @Get('role_assignments')
  async assignments(@Caller() caller: AuthContext, @Query() query: Record<string, string | undefined>) {
    enforce(caller, 'identity:list_role_assignments');
    const includeNames = query.include_names !== undefined && query.include_names !== 'false';
    const rows: {
      type: AssignmentType;
      actor_id: string;
      target_id: string;
      role_id: string;
      role_name: string;
      user_name: string;
      user_domain_id: string;
      user_domain_name: string;
      target_name: string;
      target_domain_id: string | null;
      target_domain_name: string | null;
    }[] = await this.store.dataSource.query(
      `SELECT a.type, a.actor_id, a.target_id, a.role_id, r.name AS role_name, u.name AS user_name,
              u.domain_id AS user_domain_id, ud.name AS user_domain_name, COALESCE(p.name, d.name) AS target_name,
              p.domain_id AS target_domain_id, pd.name AS target_domain_name
         FROM role_assignments a
         JOIN roles r ON r.id = a.role_id
         JOIN users u ON u.id = a.actor_id
         JOIN domains ud ON ud.id = u.domain_id
         LEFT JOIN projects p ON a.type = 'UserProject' AND p.id = a.target_id
         LEFT JOIN domains pd ON pd.id = p.domain_id
         LEFT JOIN domains d ON a.type = 'UserDomain' AND d.id = a.target_id
        WHERE ($1::text IS NULL OR a.actor_id = $1)
          AND ($2::text IS NULL OR (a.type = 'UserProject' AND a.target_id = $2))
          AND ($3::text IS NULL OR (a.type = 'UserDomain' AND a.target_id = $3))
          AND ($4::text IS NULL OR a.role_id = $4)
        ORDER BY u.name, r.name`,
      [
        query['user.id'] ?? null,
        query['scope.project.id'] ?? null,
        query['scope.domain.id'] ?? null,
        query['role.id'] ?? null,
      ],
    );
    const base = `${this.settings.env.publicUrl}/identity/v3`;
    const assignments = rows.map((row) => {
      const kind = row.type === 'UserProject' ? 'project' : 'domain';
      return {
        role: { id: row.role_id, ...(includeNames && { name: row.role_name }) },
        user: {
          id: row.actor_id,
          ...(includeNames && {
            name: row.user_name,
            domain: { id: row.user_domain_id, name: row.user_domain_name },
          }),
        },
        scope: {
          [kind]: {
            id: row.target_id,
            ...(includeNames && { name: row.target_name }),
            ...(includeNames &&
              row.target_domain_id && { domain: { id: row.target_domain_id, name: row.target_domain_name } }),
          },
        },
        links: { assignment: `${base}/${kind}s/${row.target_id}/users/${row.actor_id}/roles/${row.role_id}` },
      };
    });
    return {
      role_assignments: assignments,
      links: { self: `${base}/role_assignments`, previous: null, next: null },
    };
  }
}
