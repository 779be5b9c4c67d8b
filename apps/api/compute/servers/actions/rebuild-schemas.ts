import { type ApiVersion } from '../../microversion';

/** Nova's rebuild schemas (schemas/servers.py rebuild, rebuild_v219 ... rebuild_v290), by microversion. */

const metadata = {
  type: 'object',
  patternProperties: { '^[a-zA-Z0-9-_:. ]{1,255}$': { type: 'string', maxLength: 255 } },
  additionalProperties: false,
};

const booleanish = {
  type: ['boolean', 'string'],
  enum: [
    true,
    'True',
    'TRUE',
    'true',
    '1',
    'ON',
    'On',
    'on',
    'YES',
    'Yes',
    'yes',
    false,
    'False',
    'FALSE',
    'false',
    '0',
    'OFF',
    'Off',
    'off',
    'NO',
    'No',
    'no',
  ],
};

/** 2.1 to 2.18. */
const base: Record<string, object> = {
  name: { type: 'string', minLength: 1, maxLength: 255, format: 'name' },
  imageRef: { type: 'string', format: 'uuid' },
  adminPass: { type: 'string' },
  metadata,
  preserve_ephemeral: booleanish,
  'OS-DCF:diskConfig': { type: 'string', enum: ['AUTO', 'MANUAL'] },
  accessIPv4: { type: 'string', format: 'ipv4' },
  accessIPv6: { type: 'string', format: 'ipv6' },
  personality: {
    type: 'array',
    items: {
      type: 'object',
      properties: { path: { type: 'string' }, contents: { type: 'string', format: 'base64' } },
      additionalProperties: false,
    },
  },
};

/** What each microversion adds (or, with undefined, takes away), in order. */
const CHANGES: [string, Record<string, object | undefined>][] = [
  ['2.19', { description: { type: ['string', 'null'], minLength: 0, maxLength: 255 } }],
  ['2.54', { key_name: { oneOf: [{ type: 'string', minLength: 1, maxLength: 255 }, { type: 'null' }] } }],
  [
    '2.57',
    {
      personality: undefined,
      user_data: { oneOf: [{ type: 'string', format: 'base64', maxLength: 65535 }, { type: 'null' }] },
    },
  ],
  [
    '2.63',
    {
      trusted_image_certificates: {
        type: ['array', 'null'],
        minItems: 1,
        maxItems: 50,
        uniqueItems: true,
        items: { type: 'string', minLength: 1 },
      },
    },
  ],
  [
    '2.90',
    {
      hostname: {
        type: 'string',
        minLength: 2,
        maxLength: 63,
        pattern: '^[a-zA-Z0-9]+[a-zA-Z0-9-]*[a-zA-Z0-9]+$',
      },
    },
  ],
];

function schemaWith(properties: Record<string, object | undefined>): object {
  return {
    type: 'object',
    properties: {
      rebuild: {
        type: 'object',
        properties: Object.fromEntries(Object.entries(properties).filter(([, schema]) => schema)),
        required: ['imageRef'],
        additionalProperties: false,
      },
    },
    required: ['rebuild'],
    additionalProperties: false,
  };
}

/** One schema per range of versions, built once (the validator caches by schema object). */
const SCHEMAS = CHANGES.reduce<
  { from: string; schema: object; properties: Record<string, object | undefined> }[]
>(
  (ranges, [from, changes]) => {
    const properties = { ...ranges[ranges.length - 1].properties, ...changes };
    return [...ranges, { from, properties, schema: schemaWith(properties) }];
  },
  [{ from: '2.1', properties: base, schema: schemaWith(base) }],
);

/** The body's schema at `version`. */
export function rebuildSchemaFor(version: ApiVersion): object {
  return SCHEMAS.filter(({ from }) => version.atLeast(from)).at(-1)!.schema;
}

/** The latest schema, for the OpenAPI document. */
export const rebuildSchema = SCHEMAS[SCHEMAS.length - 1].schema;

/** The rebuild body's value, as the schemas allow it. */
export interface RebuildValue {
  imageRef: string;
  name?: string;
  adminPass?: string;
  metadata?: Record<string, string>;
  preserve_ephemeral?: boolean | string;
  'OS-DCF:diskConfig'?: 'AUTO' | 'MANUAL';
  accessIPv4?: string;
  accessIPv6?: string;
  personality?: { path?: string; contents?: string }[];
  description?: string | null;
  key_name?: string | null;
  user_data?: string | null;
  trusted_image_certificates?: string[] | null;
  hostname?: string;
}
