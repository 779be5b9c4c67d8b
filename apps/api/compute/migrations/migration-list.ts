import { type DataSource, type SelectQueryBuilder } from 'typeorm';
import { InstanceMigration } from '../../../../entities';
import { badRequest } from '../../common/api-error';
import { type MigrationFilters, type MigrationListQuery } from './migration-list-query';

type Builder = SelectQueryBuilder<InstanceMigration>;

/** uuid columns are compared as text: a filter that is no uuid matches nothing rather than failing. */
function filter(builder: Builder, filters: MigrationFilters): void {
  const { host, sourceCompute, node, instanceUuid, uuid, status, migrationType, hidden } = filters;
  if (uuid !== undefined) builder.andWhere('m.uuid::text = :uuid', { uuid });
  if (filters.changesSince) builder.andWhere('m.updated_at >= :since', { since: filters.changesSince });
  if (filters.changesBefore) builder.andWhere('m.updated_at <= :before', { before: filters.changesBefore });
  if (status !== undefined) builder.andWhere('m.status = :status', { status });
  // As Nova: host is either end of the move, and source_compute counts only without it.
  if (host !== undefined) builder.andWhere('(m.source_compute = :host OR m.dest_compute = :host)', { host });
  else if (sourceCompute !== undefined)
    builder.andWhere('m.source_compute = :sourceCompute', { sourceCompute });
  if (node !== undefined) builder.andWhere('(m.source_node = :node OR m.dest_node = :node)', { node });
  if (migrationType !== undefined) builder.andWhere('m.migration_type = :migrationType', { migrationType });
  if (hidden !== undefined) builder.andWhere('m.hidden = :hidden', { hidden });
  if (instanceUuid !== undefined) builder.andWhere('m.instance_uuid::text = :instanceUuid', { instanceUuid });
  if (filters.userId !== undefined) builder.andWhere('m.user_id = :userId', { userId: filters.userId });
  if (filters.projectId !== undefined)
    builder.andWhere('m.project_id = :projectId', { projectId: filters.projectId });
}

/**
 * The migrations GET /os-migrations lists, as Nova's migration_get_all_by_filters finds them,
 * hidden ones never: unpaged in id order below 2.59; from 2.59 newest first (created_at, id)
 * after the marker migration, whose uuid must exist (400 otherwise).
 */
export async function listMigrations(
  dataSource: DataSource,
  query: MigrationListQuery,
): Promise<InstanceMigration[]> {
  const repository = dataSource.getRepository(InstanceMigration);
  // Nova drops hidden migrations (a cross-cell move's other copy) from the page after cutting it,
  // which can end a listing early without a next link; left out here before paging instead.
  const builder = repository.createQueryBuilder('m').where('m.deleted_at IS NULL AND NOT m.hidden');
  filter(builder, query.filters);
  const { page } = query;
  if (!page) return builder.orderBy('m.id', 'ASC').getMany();
  if (page.marker !== undefined) {
    const [marker]: { id: number }[] = await dataSource.query(
      'SELECT id FROM instance_migrations WHERE uuid::text = $1 AND deleted_at IS NULL',
      [page.marker],
    );
    if (!marker) throw badRequest(`Marker ${page.marker} could not be found.`);
    // Compared in SQL: created_at has microseconds, which a JavaScript Date would drop.
    builder.andWhere(
      '(m.created_at, m.id) < (SELECT k.created_at, k.id FROM instance_migrations k WHERE k.id = :markerId)',
      { markerId: marker.id },
    );
  }
  if (page.limit === 0) return [];
  return builder.orderBy('m.created_at', 'DESC').addOrderBy('m.id', 'DESC').limit(page.limit).getMany();
}
