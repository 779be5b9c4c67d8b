import { type OperationName } from '../../../../../common/compute/instance-states';
import {
  consoleOutputSchema,
  type ConsoleOutputValue,
  lockSchema,
  type LockValue,
  resetStateSchema,
  type ResetStateValue,
  rebootSchema,
  type RebootValue,
} from './action-schemas';
import {
  evacuateSchemaFor,
  type EvacuateValue,
  liveMigrateSchemaFor,
  type LiveMigrateValue,
  migrateSchema,
  type MigrateValue,
  resizeSchema,
  type ResizeValue,
} from './move-schemas';
import { rebuildServer } from './rebuild-action';
import { rebuildSchema, rebuildSchemaFor, type RebuildValue } from './rebuild-schemas';
import { type ActionRequest, type ActionServices, type ServerAction } from './server-action';

const row = <V>(action: ServerAction<V>): ServerAction<V> => action;

/** An action that runs `operation` as a workflow through the launcher (claim, action, workflow). */
const launch =
  <V>(
    operation: OperationName | ((value: V) => OperationName),
    input?: (services: ActionServices) => object,
  ) =>
  async (
    services: ActionServices,
    { caller, instance, requestId, value }: ActionRequest<V>,
  ): Promise<void> => {
    const name = typeof operation === 'function' ? operation(value) : operation;
    await services.launcher.run(caller, name, instance, requestId, { ...input?.(services) });
  };

/**
 * POST /servers/{id}/action: every action Novaflow serves, one row each, keyed by the body's one
 * key as Nova names it. The row says how Nova validates the body, which policy rule applies and
 * what the action does; the order of checks (action, body, server, policy, state) is the
 * dispatcher's.
 */
export const SERVER_ACTIONS: Record<string, ServerAction> = {
  'os-stop': row({ policy: 'os_compute_api:servers:stop', status: 202, handle: launch('stop') }),
  'os-start': row({ policy: 'os_compute_api:servers:start', status: 202, handle: launch('start') }),
  reboot: row<RebootValue>({
    policy: 'os_compute_api:servers:reboot',
    schema: rebootSchema,
    status: 202,
    handle: launch(
      ({ type }) => (type.toUpperCase() === 'HARD' ? 'reboot_hard' : 'reboot_soft'),
      ({ settings }) => ({ rebootTimeoutSeconds: settings.config.DEFAULT.reboot_timeout }),
    ),
  }),
  pause: row({ policy: 'os_compute_api:os-pause-server:pause', status: 202, handle: launch('pause') }),
  unpause: row({ policy: 'os_compute_api:os-pause-server:unpause', status: 202, handle: launch('unpause') }),
  suspend: row({
    policy: 'os_compute_api:os-suspend-server:suspend',
    status: 202,
    handle: launch('suspend'),
  }),
  resume: row({ policy: 'os_compute_api:os-suspend-server:resume', status: 202, handle: launch('resume') }),
  lock: row<LockValue>({
    policy: 'os_compute_api:os-lock-server:lock',
    // Before 2.73 Nova neither validates the value nor reads a reason from it.
    schema: lockSchema,
    schemaFrom: '2.73',
    status: 202,
    handle: ({ locks }, request) =>
      locks.lock(request, request.version.atLeast('2.73') ? request.value?.locked_reason : undefined),
  }),
  unlock: row({
    policy: 'os_compute_api:os-lock-server:unlock',
    status: 202,
    handle: ({ locks }, request) => locks.unlock(request),
  }),
  'os-resetState': row<ResetStateValue>({
    policy: 'os_compute_api:os-admin-actions:reset_state',
    schema: resetStateSchema,
    status: 202,
    handle: ({ states }, request) => states.reset(request),
  }),
  forceDelete: row({
    policy: 'os_compute_api:os-deferred-delete:force',
    status: 202,
    handle: launch('force_delete'),
  }),
  restore: row({
    policy: 'os_compute_api:os-deferred-delete:restore',
    status: 202,
    handle: launch('restore'),
  }),
  // Nova parses {"name": ...} itself, after the policy: no schema.
  addSecurityGroup: row({
    policy: 'os_compute_api:os-security-groups:add',
    status: 202,
    handle: ({ securityGroups }, request) => securityGroups.add(request),
  }),
  removeSecurityGroup: row({
    policy: 'os_compute_api:os-security-groups:remove',
    status: 202,
    handle: ({ securityGroups }, request) => securityGroups.remove(request),
  }),
  resize: row<ResizeValue>({
    policy: 'os_compute_api:servers:resize',
    schema: resizeSchema,
    status: 202,
    handle: ({ moves }, request) => moves.resize(request),
  }),
  confirmResize: row({
    policy: 'os_compute_api:servers:confirm_resize',
    status: 204,
    handle: ({ moves }, request) => moves.confirm(request),
  }),
  revertResize: row({
    policy: 'os_compute_api:servers:revert_resize',
    status: 202,
    handle: ({ moves }, request) => moves.revert(request),
  }),
  migrate: row<MigrateValue>({
    policy: 'os_compute_api:os-migrate-server:migrate',
    schema: migrateSchema,
    schemaFrom: '2.56',
    status: 202,
    handle: ({ moves }, request) => moves.migrate(request),
  }),
  'os-migrateLive': row<LiveMigrateValue>({
    policy: 'os_compute_api:os-migrate-server:migrate_live',
    schemaFor: liveMigrateSchemaFor,
    status: 202,
    handle: ({ moves }, request) => moves.liveMigrate(request),
  }),
  evacuate: row<EvacuateValue>({
    policy: 'os_compute_api:os-evacuate',
    schemaFor: evacuateSchemaFor,
    status: 200,
    handle: ({ moves }, request) => moves.evacuate(request),
  }),
  rebuild: row<RebuildValue>({
    policy: 'os_compute_api:servers:rebuild',
    schema: rebuildSchema,
    schemaFor: rebuildSchemaFor,
    status: 202,
    handle: rebuildServer,
  }),
  'os-getConsoleOutput': row<ConsoleOutputValue>({
    policy: 'os_compute_api:os-console-output',
    schema: consoleOutputSchema,
    status: 200,
    handle: (services, request) => services.console.read(request),
  }),
};

/** The body's schema for the OpenAPI document: one of the actions, each as Nova validates it. */
export const serverActionBodySchema = {
  oneOf: Object.entries(SERVER_ACTIONS).map(
    ([name, action]) =>
      action.schema ?? {
        type: 'object',
        properties: { [name]: { type: ['object', 'null'] } },
        required: [name],
        additionalProperties: false,
      },
  ),
};
