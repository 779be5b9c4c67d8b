/** Nova's schemas of the actions that move a server (schemas/servers.py, migrate_server.py, evacuate.py). */
import { type ApiVersion } from '../../microversion';
import { NOVA_BOOLEAN } from '../../services/legacy-service-actions';

/** parameter_types.fqdn, nullable as Nova's migrate and evacuate take it. */
const host = { type: ['string', 'null'], minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9-._]*$' };

const wrapped = (key: string, inner: object) => ({
  type: 'object',
  properties: { [key]: inner },
  required: [key],
  additionalProperties: false,
});

export const resizeSchema = wrapped('resize', {
  type: 'object',
  properties: {
    flavorRef: { type: ['string', 'integer'], minLength: 1 },
    'OS-DCF:diskConfig': { type: 'string', enum: ['AUTO', 'MANUAL'] },
  },
  required: ['flavorRef'],
  additionalProperties: false,
});

export interface ResizeValue {
  flavorRef: string | number;
}

/** migrate_v2_56: a target host, or none. */
export const migrateSchema = wrapped('migrate', {
  type: ['object', 'null'],
  properties: { host },
  additionalProperties: false,
});

export type MigrateValue = { host?: string | null } | null;

/** os-migrateLive: disk_over_commit until 2.25, block_migration 'auto' from 2.25, force 2.30 to 2.67. */
export function liveMigrateSchemaFor(version: ApiVersion): object {
  const before225 = !version.atLeast('2.25');
  const withForce = version.atLeast('2.30') && !version.atLeast('2.68');
  return wrapped('os-migrateLive', {
    type: 'object',
    properties: {
      block_migration: before225 ? NOVA_BOOLEAN : { ...NOVA_BOOLEAN, enum: [...NOVA_BOOLEAN.enum, 'auto'] },
      host,
      ...(before225 && { disk_over_commit: NOVA_BOOLEAN }),
      ...(withForce && { force: NOVA_BOOLEAN }),
    },
    required: before225 ? ['block_migration', 'disk_over_commit', 'host'] : ['block_migration', 'host'],
    additionalProperties: false,
  });
}

export interface LiveMigrateValue {
  host: string | null;
  block_migration: boolean | string;
  force?: boolean | string;
}

/** evacuate: onSharedStorage required until 2.14, force 2.29 to 2.67. */
export function evacuateSchemaFor(version: ApiVersion): object {
  const before214 = !version.atLeast('2.14');
  const withForce = version.atLeast('2.29') && !version.atLeast('2.68');
  return wrapped('evacuate', {
    type: 'object',
    properties: {
      host: { ...host, type: 'string' },
      adminPass: { type: 'string' },
      ...(before214 && { onSharedStorage: NOVA_BOOLEAN }),
      ...(withForce && { force: NOVA_BOOLEAN }),
    },
    required: before214 ? ['onSharedStorage'] : [],
    additionalProperties: false,
  });
}

export interface EvacuateValue {
  host?: string;
  adminPass?: string;
  onSharedStorage?: boolean | string;
  force?: boolean | string;
}
