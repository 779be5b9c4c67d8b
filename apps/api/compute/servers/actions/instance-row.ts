import { type EntityManager } from 'typeorm';
import { instanceNotFound } from '../server-reader';

/** The columns the API's own actions decide on. */
export interface InstanceRow {
  project_id: string;
  vm_state: string;
  task_state: string | null;
  task_id: string | null;
  locked: boolean;
  locked_by: 'owner' | 'admin' | null;
}

/**
 * Locks a live instance's row for the rest of the caller's transaction, so that an action the
 * API does alone decides on what it then writes (two locks at once serialize); Nova's 404 when
 * the instance went away since it was read.
 */
export async function lockInstanceRow(db: EntityManager, uuid: string): Promise<InstanceRow> {
  const [row]: InstanceRow[] = await db.query(
    `SELECT project_id, vm_state, task_state, task_id, locked, locked_by FROM instances
      WHERE uuid = $1 AND deleted_at IS NULL FOR UPDATE`,
    [uuid],
  );
  if (!row) throw instanceNotFound(uuid);
  return row;
}
