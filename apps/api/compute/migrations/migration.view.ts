import {
  LIVE_MIGRATION_IN_PROGRESS,
  MigrationType,
  type MigrationStatus,
} from '../../../../common/compute/migrations';
import { type InstanceMigration } from '../../../../entities';
import { resourceLinks } from '../links';
import { type ApiVersion } from '../microversion';
import { isoMicros } from '../timestamps';

/** Whether Nova counts the migration as a live migration in progress (the one GET /servers/{id}/migrations shows). */
export const isLiveMigrationInProgress = (migration: InstanceMigration) =>
  migration.migrationType === MigrationType.LIVE_MIGRATION &&
  LIVE_MIGRATION_IN_PROGRESS.includes(migration.status as MigrationStatus);

/** A bigint column, which pg hands over as text, as the integer Nova shows. */
const bytes = (value: string | null) => (value === null ? null : Number(value));

/**
 * One migration of GET /os-migrations, keys in the order of Nova's API samples: migration_type
 * from 2.23, with links to the server's migration resource for a live migration in progress;
 * uuid from 2.59; user_id and project_id from 2.80. No progress counters here.
 */
export function migrationView(migration: InstanceMigration, v: ApiVersion, publicUrl: string) {
  const linked = v.atLeast('2.23') && isLiveMigrationInProgress(migration);
  return {
    created_at: isoMicros(migration.createdAt),
    dest_compute: migration.destCompute,
    dest_host: migration.destHost,
    dest_node: migration.destNode,
    id: migration.id,
    instance_uuid: migration.instanceUuid,
    ...(linked && {
      links: resourceLinks(publicUrl, `servers/${migration.instanceUuid}/migrations`, String(migration.id)),
    }),
    new_instance_type_id: migration.newInstanceTypeId,
    old_instance_type_id: migration.oldInstanceTypeId,
    source_compute: migration.sourceCompute,
    source_node: migration.sourceNode,
    status: migration.status,
    ...(v.atLeast('2.23') && { migration_type: migration.migrationType }),
    updated_at: isoMicros(migration.updatedAt),
    ...(v.atLeast('2.59') && { uuid: migration.uuid }),
    ...(v.atLeast('2.80') && { user_id: migration.userId, project_id: migration.projectId }),
  };
}

/**
 * One live migration of GET /servers/{id}/migrations (server_migrations.output), with its
 * progress in bytes; uuid from 2.59, user_id and project_id from 2.80.
 */
export function serverMigrationView(migration: InstanceMigration, v: ApiVersion) {
  return {
    created_at: isoMicros(migration.createdAt),
    dest_compute: migration.destCompute,
    dest_host: migration.destHost,
    dest_node: migration.destNode,
    id: migration.id,
    server_uuid: migration.instanceUuid,
    source_compute: migration.sourceCompute,
    source_node: migration.sourceNode,
    status: migration.status,
    memory_total_bytes: bytes(migration.memoryTotal),
    memory_processed_bytes: bytes(migration.memoryProcessed),
    memory_remaining_bytes: bytes(migration.memoryRemaining),
    disk_total_bytes: bytes(migration.diskTotal),
    disk_processed_bytes: bytes(migration.diskProcessed),
    disk_remaining_bytes: bytes(migration.diskRemaining),
    updated_at: isoMicros(migration.updatedAt),
    ...(v.atLeast('2.59') && { uuid: migration.uuid }),
    ...(v.atLeast('2.80') && { user_id: migration.userId, project_id: migration.projectId }),
  };
}
