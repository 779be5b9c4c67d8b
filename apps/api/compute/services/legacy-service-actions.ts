import { type DataSource } from 'typeorm';
import { Service } from '../../../../entities';
import { badRequest, notFound } from '../../common/api-error';
import { validateBody } from '../../common/validation';
import { type ApiVersion } from '../microversion';

/** Nova's parameter_types.boolean: a JSON boolean or one of oslo's spellings of one. */
export const NOVA_BOOLEAN = {
  type: ['boolean', 'string'],
  enum: [
    ...[true, 'True', 'TRUE', 'true', '1', 'ON', 'On', 'on', 'YES', 'Yes', 'yes'],
    ...[false, 'False', 'FALSE', 'false', '0', 'OFF', 'Off', 'off', 'NO', 'No', 'no'],
  ],
};
const FQDN = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9-._]*$' };
const REASON = { type: 'string', minLength: 1, maxLength: 255 };

/** services.service_update (2.1 – 2.10) and service_update_v211 (2.11 – 2.52). */
const legacyUpdateSchema = (withForcedDown: boolean) => ({
  type: 'object',
  additionalProperties: false,
  required: ['host', 'binary'],
  properties: {
    host: FQDN,
    binary: { type: 'string', minLength: 1, maxLength: 255 },
    disabled_reason: REASON,
    ...(withForcedDown && { forced_down: NOVA_BOOLEAN }),
  },
});

interface LegacyBody {
  host: string;
  binary: string;
  disabled_reason?: string;
  forced_down?: boolean | string;
}

/** oslo's bool_from_string (not strict), as Nova reads forced_down. */
export const novaBool = (value: boolean | string) =>
  typeof value === 'boolean'
    ? value
    : ['1', 't', 'true', 'on', 'y', 'yes'].includes(value.trim().toLowerCase());

/**
 * Before 2.53 a service is updated by action, not id: PUT /os-services/{enable, disable,
 * disable-log-reason, force-down (2.11)} with host and binary in the body. The answer echoes
 * host, binary and what changed, not the whole service.
 */
export async function legacyServiceAction(db: DataSource, action: string, body: unknown, v: ApiVersion) {
  const request = validateBody<LegacyBody>(legacyUpdateSchema(v.atLeast('2.11')), body);
  const { host, binary } = request;
  let change: Partial<Service>;
  let echo: Record<string, unknown>;
  if (action === 'enable') {
    change = { disabled: false, disabledReason: null };
    echo = { status: 'enabled' };
  } else if (action === 'disable') {
    change = { disabled: true, disabledReason: null };
    echo = { status: 'disabled' };
  } else if (action === 'disable-log-reason') {
    if (request.disabled_reason === undefined) throw badRequest('Missing disabled reason field');
    change = { disabled: true, disabledReason: request.disabled_reason };
    echo = { status: 'disabled', disabled_reason: request.disabled_reason };
  } else if (action === 'force-down' && v.atLeast('2.11')) {
    if (request.forced_down === undefined) throw badRequest('Missing forced_down field');
    change = { forcedDown: novaBool(request.forced_down) };
    echo = { forced_down: change.forcedDown };
  } else {
    throw notFound('Unknown action');
  }
  if (binary !== 'nova-compute') {
    throw badRequest(
      `Updating a ${binary} service is not supported. Only nova-compute services can be updated.`,
    );
  }
  const result = await db.getRepository(Service).update({ host, binary }, change);
  if (!result.affected) throw notFound(`Could not find binary ${binary} on host ${host}.`);
  return { service: { host, binary, ...echo } };
}
