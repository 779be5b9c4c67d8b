import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, QueryFailedError } from 'typeorm';
import { Flavor, FlavorExtraSpec, FlavorProject } from '../../../../entities';
import { ApiError, notFound } from '../../common/api-error';
import { type AuthContext, isAdmin } from '../../common/auth/auth-context';
import { type FlavorCreateBody } from './flavor.schemas';

export interface FlavorListQuery {
  isPublic?: boolean | null;
  minRam?: number;
  minDisk?: number;
  sortKey: string;
  sortDir: 'ASC' | 'DESC';
  limit?: number;
  marker?: string;
}

/** Nova's flavor sort keys: the column to order by and the entity property a marker is read from. */
const SORT_KEYS: Record<string, { column: string; property: keyof Flavor }> = {
  flavorid: { column: 'f.flavorid', property: 'flavorid' },
  id: { column: 'f.flavorid', property: 'flavorid' },
  name: { column: 'f.name', property: 'name' },
  memory_mb: { column: 'f.memory_mb', property: 'memoryMb' },
  vcpus: { column: 'f.vcpus', property: 'vcpus' },
  root_gb: { column: 'f.root_gb', property: 'rootGb' },
  ephemeral_gb: { column: 'f.ephemeral_gb', property: 'ephemeralGb' },
  swap: { column: 'f.swap', property: 'swap' },
  rxtx_factor: { column: 'f.rxtx_factor', property: 'rxtxFactor' },
  created_at: { column: 'f.created_at', property: 'createdAt' },
};

export const flavorNotFound = (id: string) => notFound(`Flavor ${id} could not be found.`);

/** Flavors as Nova stores them; a private flavor exists only for admins and projects with access. */
@Injectable()
export class FlavorsService {
  constructor(private readonly dataSource: DataSource) {}

  /** Visible flavor by API id, with its extra specs, or 404 in Nova's words. */
  async find(
    caller: AuthContext,
    flavorid: string,
    db: EntityManager = this.dataSource.manager,
  ): Promise<Flavor> {
    const flavor = await db
      .getRepository(Flavor)
      .findOne({ where: { flavorid }, relations: { extraSpecs: true } });
    if (!flavor || !(await this.visible(caller, flavor, db))) throw flavorNotFound(flavorid);
    return flavor;
  }

  private async visible(caller: AuthContext, flavor: Flavor, db: EntityManager): Promise<boolean> {
    if (flavor.isPublic || isAdmin(caller)) return true;
    return db
      .getRepository(FlavorProject)
      .existsBy({ flavorId: flavor.id, projectId: caller.projectId ?? '' });
  }

  async list(caller: AuthContext, query: FlavorListQuery): Promise<Flavor[]> {
    const builder = this.dataSource
      .getRepository(Flavor)
      .createQueryBuilder('f')
      .leftJoinAndSelect('f.extraSpecs', 'spec');
    const visible =
      '(f.is_public OR f.id IN (SELECT flavor_id FROM flavor_projects WHERE project_id = :project))';
    if (!isAdmin(caller)) builder.andWhere(visible, { project: caller.projectId ?? '' });
    else if (query.isPublic !== null && query.isPublic !== undefined) {
      builder.andWhere('f.is_public = :isPublic', { isPublic: query.isPublic });
    }
    // Compared as numeric: Nova's int() has no bound, and a minimum beyond any column's value
    // matches nothing rather than failing the query.
    if (query.minRam !== undefined)
      builder.andWhere('f.memory_mb >= CAST(:minRam AS numeric)', { minRam: String(query.minRam) });
    if (query.minDisk !== undefined)
      builder.andWhere('f.root_gb >= CAST(:minDisk AS numeric)', { minDisk: String(query.minDisk) });
    const sort = Object.hasOwn(SORT_KEYS, query.sortKey) ? SORT_KEYS[query.sortKey] : undefined;
    if (!sort) throw new ApiError('badRequest', `Invalid sort_key: ${query.sortKey}`);
    const { column } = sort;
    if (query.marker !== undefined) {
      // A private flavor the caller has no access to is an unknown marker, as in Nova.
      const markerQuery = this.dataSource
        .getRepository(Flavor)
        .createQueryBuilder('f')
        .where('f.flavorid = :flavorid', { flavorid: query.marker });
      if (!isAdmin(caller)) markerQuery.andWhere(visible, { project: caller.projectId ?? '' });
      const marker = await markerQuery.getOne();
      if (!marker) throw new ApiError('badRequest', `marker [${query.marker}] not found`);
      const op = query.sortDir === 'ASC' ? '>' : '<';
      builder.andWhere(`(${column}, f.id) ${op} (:markerValue, :markerId)`, {
        markerValue: marker[sort.property],
        markerId: marker.id,
      });
    }
    builder.orderBy(column, query.sortDir).addOrderBy('f.id', query.sortDir);
    if (query.limit !== undefined) builder.take(query.limit);
    return builder.getMany();
  }

  async create(body: FlavorCreateBody['flavor']): Promise<string> {
    // Nova's `if not flavorid`: a missing, null or 0 id is generated.
    const flavorid = body.id ? String(body.id) : randomUUID();
    const isPublic = body['os-flavor-access:is_public'];
    const flavor = {
      flavorid,
      name: body.name,
      memoryMb: Number(body.ram),
      vcpus: Number(body.vcpus),
      rootGb: Number(body.disk),
      ephemeralGb: Number(body['OS-FLV-EXT-DATA:ephemeral'] ?? 0),
      swap: Number(body.swap ?? 0),
      rxtxFactor: Number(body.rxtx_factor ?? 1),
      isPublic: isPublic === undefined ? true : ['true', 'True', '1', true].includes(isPublic),
      description: body.description ?? null,
    };
    for (const field of ['ram', 'vcpus'] as const) {
      if (Number(body[field]) < 1)
        throw new ApiError('badRequest', `Invalid input received: ${field} must be >= 1`);
    }
    try {
      await this.dataSource.getRepository(Flavor).insert(flavor);
    } catch (error) {
      if (!(error instanceof QueryFailedError) || (error.driverError as { code?: string }).code !== '23505')
        throw error;
      const detail = String((error.driverError as { detail?: string }).detail ?? '');
      throw new ApiError(
        'conflictingRequest',
        detail.includes('(name)')
          ? `Flavor with name ${body.name} already exists.`
          : `Flavor with ID ${flavorid} already exists.`,
      );
    }
    return flavorid;
  }

  async updateDescription(caller: AuthContext, flavorid: string, description: string | null): Promise<void> {
    const flavor = await this.find(caller, flavorid);
    await this.dataSource.getRepository(Flavor).update({ id: flavor.id }, { description });
  }

  async delete(caller: AuthContext, flavorid: string): Promise<void> {
    const flavor = await this.find(caller, flavorid);
    await this.dataSource.getRepository(Flavor).delete({ id: flavor.id });
  }

  async setExtraSpecs(caller: AuthContext, flavorid: string, specs: Record<string, unknown>): Promise<void> {
    const flavor = await this.find(caller, flavorid);
    const rows = Object.entries(specs).map(([key, value]) => ({
      flavorId: flavor.id,
      key,
      value: String(value),
    }));
    await this.dataSource.getRepository(FlavorExtraSpec).upsert(rows, ['flavorId', 'key']);
  }

  async deleteExtraSpec(caller: AuthContext, flavorid: string, key: string): Promise<void> {
    const flavor = await this.find(caller, flavorid);
    const { affected } = await this.dataSource
      .getRepository(FlavorExtraSpec)
      .delete({ flavorId: flavor.id, key });
    if (!affected) throw notFound(`Flavor ${flavorid} has no extra specs with key ${key}.`);
  }

  async accessList(caller: AuthContext, flavorid: string): Promise<FlavorProject[]> {
    const flavor = await this.find(caller, flavorid);
    if (flavor.isPublic) throw notFound('Access list not available for public flavors.');
    return this.dataSource
      .getRepository(FlavorProject)
      .find({ where: { flavorId: flavor.id }, order: { projectId: 'ASC' } });
  }

  async addAccess(caller: AuthContext, flavorid: string, projectId: string): Promise<void> {
    const flavor = await this.find(caller, flavorid);
    if (flavor.isPublic) throw new ApiError('conflictingRequest', 'Can not add access to a public flavor.');
    const inserted = await this.dataSource.query(
      'INSERT INTO flavor_projects (flavor_id, project_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING flavor_id',
      [flavor.id, projectId],
    );
    if (inserted.length === 0) {
      throw new ApiError(
        'conflictingRequest',
        `Flavor access already exists for flavor ${flavorid} and project ${projectId} combination.`,
      );
    }
  }

  async removeAccess(caller: AuthContext, flavorid: string, projectId: string): Promise<void> {
    const flavor = await this.find(caller, flavorid);
    const { affected } = await this.dataSource
      .getRepository(FlavorProject)
      .delete({ flavorId: flavor.id, projectId });
    if (!affected) throw notFound(`Flavor access not found for ${flavorid} / ${projectId} combination.`);
  }
}
