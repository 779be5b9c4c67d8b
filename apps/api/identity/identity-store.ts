import { Injectable } from '@nestjs/common';
import { DataSource, type EntityTarget, type FindOptionsWhere, type ObjectLiteral } from 'typeorm';
import { isUniqueViolation } from '../../../common/db-errors';
import { Domain, Project, Role, User } from '../../../entities';
import { ApiError } from '../common/api-error';

/** Keystone's wording of "no such thing" and "already exists". */
export const keystoneNotFound = (kind: string, id: string) =>
  new ApiError('itemNotFound', `Could not find ${kind}: ${id}.`);

/** Lookups every identity controller needs, each answering 404 in Keystone's words. */
@Injectable()
export class IdentityStore {
  constructor(readonly dataSource: DataSource) {}

  private async find<T extends ObjectLiteral>(entity: EntityTarget<T>, kind: string, id: string): Promise<T> {
    const found = await this.dataSource
      .getRepository(entity)
      .findOneBy({ id } as unknown as FindOptionsWhere<T>);
    if (!found) throw keystoneNotFound(kind, id);
    return found;
  }

  domain = (id: string) => this.find(Domain, 'domain', id);
  project = (id: string) => this.find(Project, 'project', id);
  user = (id: string) => this.find(User, 'user', id);
  role = (id: string) => this.find(Role, 'role', id);

  /** Runs a write; a duplicate name becomes Keystone's 409. */
  async store<T>(kind: string, describe: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      throw new ApiError(
        'conflictingRequest',
        `Conflict occurred attempting to store ${kind} - Duplicate entry found with ${describe}.`,
      );
    }
  }
}

/** The query parameters listFilters reads, for the OpenAPI document (enabled: anything but 'false' is true). */
export const LIST_FILTER_PARAMS = {
  name: { type: 'string' },
  domain_id: { type: 'string' },
  enabled: { type: 'string' },
};

/** Keystone's list filters common to domains, projects and users: name, domain_id and enabled. */
export function listFilters(query: { name?: string; domainId?: string; enabled?: string }) {
  return {
    ...(query.name && { name: query.name }),
    ...(query.domainId && { domainId: query.domainId }),
    ...(query.enabled !== undefined && { enabled: query.enabled !== 'false' }),
  };
}
