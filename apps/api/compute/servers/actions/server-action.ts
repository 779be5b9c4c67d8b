import { type Settings } from '../../../../../common/config';
import { type Instance } from '../../../../../entities';
import { type AuthContext } from '../../../common/auth/auth-context';
import { type PolicyAction } from '../../../common/policy';
import { type ApiVersion } from '../../microversion';
import { type OperationLauncher } from '../operation-launcher';
import { type ServerReader } from '../server-reader';
import { type ConsoleOutputReader } from './console-output';
import { type InstanceLocks } from './instance-locks';
import { type MoveActions } from './move-actions';
import { type SecurityGroupActions } from './security-group-actions';
import { type StateResetter } from './reset-state';

/** One request for an action on a server, once its body is valid and the server found. */
export interface ActionRequest<V> {
  caller: AuthContext;
  instance: Instance;
  /** The value under the action's key: `{"reboot": {"type": "HARD"}}` → `{type: 'HARD'}`. */
  value: V;
  version: ApiVersion;
  requestId: string;
}

/** What action handlers work with. */
export interface ActionServices {
  launcher: OperationLauncher;
  locks: InstanceLocks;
  securityGroups: SecurityGroupActions;
  states: StateResetter;
  console: ConsoleOutputReader;
  moves: MoveActions;
  /** Reads servers back for the actions that answer with a server view (rebuild). */
  reader: ServerReader;
  settings: Settings;
}

/** One row of the dispatch table: how Nova validates, authorizes and answers one action. */
export interface ServerAction<V = unknown> {
  /** Nova's policy rule, checked against the server's project once the server is found. */
  policy: PolicyAction;
  /** Nova's JSON schema of the whole body; an action without one takes any value, as Nova's. */
  schema?: object;
  /** The microversion from which the schema applies (Nova's `@validation.schema(..., '2.73')`). */
  schemaFrom?: string;
  /** The schema for a microversion, for actions whose schema changes with it (rebuild, os-migrateLive). */
  schemaFor?(version: ApiVersion): object | undefined;
  /** Nova's status: 202 for most; 200 for os-getConsoleOutput and evacuate, 204 for confirmResize. */
  status: 200 | 202 | 204;
  handle(services: ActionServices, request: ActionRequest<V>): Promise<object | void>;
}
