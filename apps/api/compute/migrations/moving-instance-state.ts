import { type EntityManager } from 'typeorm';
import { conflict } from '../../common/api-error';
import { type AuthContext, isAdmin } from '../../common/auth/auth-context';
import { instanceNotFound } from '../servers/server-reader';

/** What Nova's check_instance_lock and check_instance_state look at. */
interface InstanceState {
  vm_state: string;
  task_state: string | null;
  locked: boolean;
  launched_at: Date | null;
}

export interface StateRule {
  /** The action's name in Nova's 409 ("Cannot 'force_complete' instance ..."). */
  action: string;
  vmStates?: readonly string[];
  taskStates: readonly string[];
  /** Nova's 409 for a locked instance: force_complete says so, the abort only "an invalid state". */
  lockedMessage: (serverId: string) => string;
}

/**
 * Locks the instance row for the caller's transaction and checks it as Nova's
 * check_instance_lock (a non-admin may not act on a locked instance) then check_instance_state
 * (vm_state, task_state, launched at least once) do, each refusal a 409 in the words of
 * raise_http_conflict_for_instance_invalid_state, naming the server as the path does.
 */
export async function lockInstanceInState(
  db: EntityManager,
  caller: AuthContext,
  uuid: string,
  serverId: string,
  rule: StateRule,
): Promise<void> {
  const [row]: InstanceState[] = await db.query(
    `SELECT vm_state, task_state, locked, launched_at FROM instances
      WHERE uuid = $1 AND deleted_at IS NULL FOR UPDATE`,
    [uuid],
  );
  if (!row) throw instanceNotFound(uuid);
  if (row.locked && !isAdmin(caller)) throw conflict(rule.lockedMessage(serverId));
  const refuse = (attr: string, state: string | null) =>
    conflict(`Cannot '${rule.action}' instance ${serverId} while it is in ${attr} ${state ?? 'None'}`);
  if (rule.vmStates && !rule.vmStates.includes(row.vm_state)) throw refuse('vm_state', row.vm_state);
  if (row.task_state === null || !rule.taskStates.includes(row.task_state))
    throw refuse('task_state', row.task_state);
  if (!row.launched_at) throw refuse('launched_at', null);
}
