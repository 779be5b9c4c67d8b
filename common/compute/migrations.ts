/**
 * Nova's migration records: the four kinds of move and the statuses each walks through
 * (nova/objects/fields.py MigrationType, and the statuses nova/compute and nova/conductor set).
 * Pure data: workflows import this file.
 */

export const MigrationType = {
  RESIZE: 'resize',
  MIGRATION: 'migration',
  LIVE_MIGRATION: 'live-migration',
  EVACUATION: 'evacuation',
} as const;
export type MigrationType = (typeof MigrationType)[keyof typeof MigrationType];

export const MigrationStatus = {
  // Live migration and evacuation start here (the API's record).
  ACCEPTED: 'accepted',
  // Resize and cold migration start here; an evacuation passes it.
  PRE_MIGRATING: 'pre-migrating',
  MIGRATING: 'migrating',
  POST_MIGRATING: 'post-migrating',
  FINISHED: 'finished',
  CONFIRMING: 'confirming',
  CONFIRMED: 'confirmed',
  REVERTING: 'reverting',
  REVERTED: 'reverted',
  // Live migration: waiting for a slot of max_concurrent_live_migrations, then its two phases.
  QUEUED: 'queued',
  PREPARING: 'preparing',
  RUNNING: 'running',
  COMPLETED: 'completed',
  CANCELLED: 'cancelled',
  // An evacuation rebuilt on its destination; `completed` once the source has cleaned up.
  DONE: 'done',
  // Pre-checks or scheduling refused it, or a phase failed.
  ERROR: 'error',
  FAILED: 'failed',
} as const;
export type MigrationStatus = (typeof MigrationStatus)[keyof typeof MigrationStatus];

/** The live-migration statuses Nova counts as in progress: links and GET /servers/{id}/migrations show only these. */
export const LIVE_MIGRATION_IN_PROGRESS: readonly MigrationStatus[] = [
  MigrationStatus.QUEUED,
  MigrationStatus.PREPARING,
  MigrationStatus.RUNNING,
  MigrationStatus.POST_MIGRATING,
];

/** The statuses in which a live migration holds one of its source's max_concurrent_live_migrations slots. */
export const LIVE_MIGRATION_HOLDS_SLOT: readonly MigrationStatus[] = [
  MigrationStatus.PREPARING,
  MigrationStatus.RUNNING,
  MigrationStatus.POST_MIGRATING,
];

/** An evacuation whose source has not yet destroyed its copy of the guest. */
export const EVACUATION_UNCLEANED: readonly MigrationStatus[] = [
  MigrationStatus.ACCEPTED,
  MigrationStatus.PRE_MIGRATING,
  MigrationStatus.DONE,
];
