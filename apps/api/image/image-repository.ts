import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager, QueryFailedError, type SelectQueryBuilder } from 'typeorm';
import { type ImageCaller, imageVisibleTo, isImageId, visibleImageQuery } from '../../../common/image';
import { Image } from '../../../entities';
import { ApiError } from '../common/api-error';
import { type ImageListQuery, type SortKey, type TimeOperator } from './image-list-query';

/** Glance's words for an image that does not exist or that the caller may not see. */
export const imageNotFound = (id: string) => new ApiError('itemNotFound', `No image found with ID ${id}`);

/** Sort keys as total orders: Glance sorts missing names and sizes first, as MySQL does with NULL. */
const SORT_EXPRESSIONS: Record<SortKey, (alias: string) => string> = {
  name: (a) => `COALESCE(${a}.name, '')`,
  status: (a) => `${a}.status`,
  container_format: (a) => `COALESCE(${a}.container_format, '')`,
  disk_format: (a) => `COALESCE(${a}.disk_format, '')`,
  size: (a) => `COALESCE(${a}.size, -1)`,
  id: (a) => `${a}.id`,
  created_at: (a) => `${a}.created_at`,
  updated_at: (a) => `${a}.updated_at`,
};

const TIME_COMPARISONS: Record<TimeOperator, string> = {
  eq: '=',
  neq: '<>',
  lt: '<',
  lte: '<=',
  gt: '>',
  gte: '>=',
};

/**
 * Rows after the marker image in `sort` order (keyset pagination). The marker's values are read
 * in SQL, so timestamps compare at the database's precision.
 */
function afterMarker(sort: ImageListQuery['sort']): string {
  const markerValue = (key: SortKey) =>
    `(SELECT ${SORT_EXPRESSIONS[key]('mk')} FROM images mk WHERE mk.id = :marker)`;
  const clauses = sort.map(({ key, dir }, index) => {
    const tiesBefore = sort
      .slice(0, index)
      .map((earlier) => `${SORT_EXPRESSIONS[earlier.key]('i')} = ${markerValue(earlier.key)}`);
    const beyond = `${SORT_EXPRESSIONS[key]('i')} ${dir === 'asc' ? '>' : '<'} ${markerValue(key)}`;
    return `(${[...tiesBefore, beyond].join(' AND ')})`;
  });
  return `(${clauses.join(' OR ')})`;
}

/** The filters of a listing, each a condition on alias `i`. */
function applyFilters(qb: SelectQueryBuilder<Image>, caller: ImageCaller, query: ImageListQuery): void {
  const visible = imageVisibleTo(caller, 'i', query.memberStatus);
  qb.andWhere(visible.where, visible.params);
  if (query.visibility === undefined) {
    // Community images are listed only when asked for, except to the project owning them.
    qb.andWhere("(i.visibility <> 'community' OR i.owner = :listingProject)", {
      listingProject: caller.projectId ?? null,
    });
  } else if (query.visibility !== 'all') {
    qb.andWhere('i.visibility = :visibility', { visibility: query.visibility });
  }
  qb.andWhere('i.os_hidden = :osHidden', { osHidden: query.osHidden });
  if (query.protected !== undefined) qb.andWhere('i.protected = :protected', { protected: query.protected });
  if (query.owner !== undefined) qb.andWhere('i.owner = :owner', { owner: query.owner });
  if (query.sizeMin !== undefined) qb.andWhere('i.size >= :sizeMin', { sizeMin: query.sizeMin });
  if (query.sizeMax !== undefined) qb.andWhere('i.size <= :sizeMax', { sizeMax: query.sizeMax });
  query.tags.forEach((tag, n) =>
    qb.andWhere(`i.tags @> CAST(:tag${n} AS jsonb)`, { [`tag${n}`]: JSON.stringify([tag]) }),
  );
  for (const { key, values } of query.attributes) {
    // Ids that are not UUIDs name no image (and would not cast to the uuid column).
    const wanted = key === 'id' ? values.filter(isImageId) : values;
    if (wanted.length === 0) qb.andWhere('FALSE');
    else qb.andWhere(`i.${key} IN (:...${key}Values)`, { [`${key}Values`]: wanted });
  }
  query.times.forEach(({ key, op, at }, n) =>
    // Glance keeps timestamps to the second, and shows them so.
    qb.andWhere(`date_trunc('second', i.${key}) ${TIME_COMPARISONS[op]} :time${n}`, { [`time${n}`]: at }),
  );
  query.properties.forEach(({ key, value }, n) =>
    qb.andWhere(`i.properties ->> :propertyKey${n} = :propertyValue${n}`, {
      [`propertyKey${n}`]: key,
      [`propertyValue${n}`]: value,
    }),
  );
}

const isUniqueViolation = (error: unknown) =>
  error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505';

/** Where images live in PostgreSQL: visibility-aware lookups and listings, and status moves. */
@Injectable()
export class ImageRepository {
  constructor(readonly dataSource: DataSource) {}

  /**
   * The image as `caller` may see it, or Glance's 404. With `lock`, its row stays locked until
   * the transaction of `db` ends.
   */
  async visible(
    caller: ImageCaller,
    id: string,
    options: { db?: EntityManager; lock?: boolean } = {},
  ): Promise<Image> {
    if (!isImageId(id)) throw imageNotFound(id);
    const query = visibleImageQuery(options.db ?? this.dataSource.manager, id, caller);
    if (options.lock) query.setLock('pessimistic_write');
    const image = await query.getOne();
    if (!image) throw imageNotFound(id);
    return image;
  }

  /** One page of the images `caller` may see, filtered and ordered as `query` says. */
  async list(caller: ImageCaller, query: ImageListQuery): Promise<Image[]> {
    const qb = this.dataSource.getRepository(Image).createQueryBuilder('i').where('i.deleted_at IS NULL');
    applyFilters(qb, caller, query);
    if (query.marker !== undefined) {
      const marker = isImageId(query.marker)
        ? await visibleImageQuery(this.dataSource, query.marker, caller).getOne()
        : null;
      if (!marker) throw new ApiError('badRequest', `No image found with ID ${query.marker}`);
      qb.andWhere(afterMarker(query.sort), { marker: marker.id });
    }
    if (query.limit === 0) return [];
    for (const { key, dir } of query.sort) {
      qb.addOrderBy(SORT_EXPRESSIONS[key]('i'), dir === 'asc' ? 'ASC' : 'DESC');
    }
    return qb.limit(query.limit).getMany();
  }

  async insert(image: Image): Promise<void> {
    try {
      await this.dataSource.getRepository(Image).insert(image);
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new ApiError('conflictingRequest', `Image ID ${image.id} already exists!`);
      }
      throw error;
    }
  }

  /**
   * Writes what clients may change and stamps `image.updatedAt`; status and data attributes move
   * only through the methods below.
   */
  async saveAttributes(db: EntityManager, image: Image): Promise<void> {
    image.updatedAt = new Date();
    await db.getRepository(Image).update(
      { id: image.id },
      {
        name: image.name,
        visibility: image.visibility,
        protected: image.protected,
        osHidden: image.osHidden,
        owner: image.owner,
        diskFormat: image.diskFormat,
        containerFormat: image.containerFormat,
        minDisk: image.minDisk,
        minRam: image.minRam,
        properties: image.properties,
        tags: image.tags,
        updatedAt: image.updatedAt,
      },
    );
  }

  /** Moves image `id` between statuses when it is in `from`; false when it was not (or is deleted). */
  async moveStatus(id: string, from: Image['status'], to: Partial<Image> & Pick<Image, 'status'>) {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(Image)
      .set({ ...to, updatedAt: new Date() })
      .where('id = :id AND status = :from AND deleted_at IS NULL', { id, from })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** queued → saving, with the upload's lease for `leaseSeconds` (by the database's clock); false when not queued. */
  async startUpload(id: string, leaseSeconds: number): Promise<boolean> {
    const result = await this.dataSource
      .createQueryBuilder()
      .update(Image)
      .set({
        status: 'saving',
        updatedAt: new Date(),
        uploadLeaseUntil: () => `now() + make_interval(secs => ${Math.trunc(leaseSeconds)})`,
      })
      .where("id = :id AND status = 'queued' AND deleted_at IS NULL", { id })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  /** The upload writing image `id` is alive: its lease runs `leaseSeconds` from now. */
  async renewUpload(id: string, leaseSeconds: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE images SET upload_lease_until = now() + make_interval(secs => $2)
        WHERE id = $1 AND status = 'saving' AND deleted_at IS NULL`,
      [id, leaseSeconds],
    );
  }

  /**
   * Images in `saving` whose upload's lease ran out (the process writing them died) go back to
   * `queued`, at most `batch` of them; returns their ids.
   */
  async requeueAbandonedUploads(batch: number): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `WITH abandoned AS (
         UPDATE images SET status = 'queued', upload_lease_until = NULL, updated_at = now()
          WHERE id IN (SELECT id FROM images
                        WHERE status = 'saving' AND deleted_at IS NULL
                          AND (upload_lease_until IS NULL OR upload_lease_until < now())
                        LIMIT $1 FOR UPDATE SKIP LOCKED)
          RETURNING id)
       SELECT id FROM abandoned`,
      [batch],
    );
    return rows.map((row) => row.id);
  }

  /** Which of `ids` an upload is writing now (saving, lease not run out). */
  async liveUploads(ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM images WHERE id = ANY($1::uuid[]) AND status = 'saving' AND deleted_at IS NULL
          AND upload_lease_until >= now()`,
      [ids],
    );
    return new Set(rows.map((row) => row.id));
  }

  async markDeleted(db: EntityManager, id: string): Promise<void> {
    const now = new Date();
    await db.getRepository(Image).update({ id }, { status: 'deleted', deletedAt: now, updatedAt: now });
  }
}
