import { Inject, Injectable } from '@nestjs/common';
import { type Settings } from '../../../../../common/config';
import { type AuthContext } from '../../../common/auth/auth-context';
import { enforce } from '../../../common/policy';
import { validateBody } from '../../../common/validation';
import { SETTINGS } from '../../../settings.module';
import { type ApiVersion } from '../../microversion';
import { OperationLauncher } from '../operation-launcher';
import { ServerReader } from '../server-reader';
import { actionOf } from './action-body';
import { ConsoleOutputReader } from './console-output';
import { InstanceLocks } from './instance-locks';
import { MoveActions } from './move-actions';
import { StateResetter } from './reset-state';
import { SecurityGroupActions } from './security-group-actions';
import { type ActionServices } from './server-action';

/** Runs one POST /servers/{id}/action in Nova's order of checks; the table says the rest. */
@Injectable()
export class ServerActions {
  private readonly services: ActionServices;

  constructor(
    private readonly reader: ServerReader,
    launcher: OperationLauncher,
    locks: InstanceLocks,
    securityGroups: SecurityGroupActions,
    states: StateResetter,
    console: ConsoleOutputReader,
    moves: MoveActions,
    @Inject(SETTINGS) settings: Settings,
  ) {
    this.services = { launcher, locks, securityGroups, states, console, moves, reader, settings };
  }

  /** The action (400), its body (400), the server (404), the policy (403), then the action itself. */
  async perform(
    caller: AuthContext,
    serverId: string,
    body: unknown,
    version: ApiVersion,
    requestId: string,
  ): Promise<{ status: number; body: object | void }> {
    const { action, value } = actionOf(body);
    const schema = action.schemaFor
      ? action.schemaFor(version)
      : action.schema && (!action.schemaFrom || version.atLeast(action.schemaFrom))
        ? action.schema
        : undefined;
    if (schema) validateBody(schema, body);
    const instance = await this.reader.find(caller, serverId);
    enforce(caller, action.policy, { projectId: instance.projectId });
    const result = await action.handle(this.services, { caller, instance, value, version, requestId });
    return { status: action.status, body: result };
  }
}
