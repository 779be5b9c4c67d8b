/** Nova's servers schemas (nova/api/openstack/compute/schemas/servers.py), as far as Novaflow goes. */
const uuid = { type: 'string', format: 'uuid' };
const name = { type: 'string', minLength: 1, maxLength: 255, format: 'name' };
const description = { type: ['string', 'null'], minLength: 0, maxLength: 255 };
const metadata = {
  type: 'object',
  patternProperties: { '^[a-zA-Z0-9-_:. ]{1,255}$': { type: 'string', maxLength: 255 } },
  additionalProperties: false,
};
const positiveInteger = { type: ['integer', 'string'], pattern: '^[0-9]*$', minimum: 1, minLength: 1 };
const uuidOrList = { oneOf: [uuid, { type: 'array', items: uuid }] };

const network = {
  type: 'object',
  properties: {
    uuid: { type: 'string' },
    port: { oneOf: [uuid, { type: 'null' }] },
    fixed_ip: { type: 'string', oneOf: [{ format: 'ipv4' }, { format: 'ipv6' }] },
    tag: { type: 'string', minLength: 1, maxLength: 60 },
  },
  additionalProperties: false,
};

/** Nova's parameter_types.personality: files to inject, their contents base64. */
const personality = {
  type: 'array',
  items: {
    type: 'object',
    properties: { path: { type: 'string' }, contents: { type: 'string', format: 'base64' } },
    additionalProperties: false,
  },
};

export const serverCreateSchema = {
  type: 'object',
  required: ['server'],
  additionalProperties: false,
  properties: {
    server: {
      type: 'object',
      required: ['name', 'flavorRef'],
      additionalProperties: false,
      properties: {
        name,
        imageRef: { oneOf: [uuid, { type: 'string', maxLength: 0 }] },
        flavorRef: { type: ['string', 'integer'], minLength: 1 },
        adminPass: { type: 'string' },
        metadata,
        networks: {
          oneOf: [
            { type: 'array', items: network },
            { type: 'string', enum: ['none', 'auto'] },
          ],
        },
        'OS-DCF:diskConfig': { type: 'string', enum: ['AUTO', 'MANUAL'] },
        accessIPv4: { type: 'string', format: 'ipv4' },
        accessIPv6: { type: 'string', format: 'ipv6' },
        key_name: { type: 'string', minLength: 1, maxLength: 255 },
        availability_zone: { type: 'string', minLength: 1, maxLength: 255 },
        user_data: { type: 'string', format: 'base64', maxLength: 65535 },
        config_drive: { type: ['boolean', 'string'] },
        min_count: positiveInteger,
        max_count: positiveInteger,
        return_reservation_id: { type: ['boolean', 'string'] },
        security_groups: {
          type: 'array',
          items: { type: 'object', properties: { name: { type: 'string' } }, additionalProperties: false },
        },
        description,
        hostname: { type: 'string', minLength: 1, maxLength: 255 },
        personality,
      },
    },
    'os:scheduler_hints': {
      type: 'object',
      properties: { group: uuid, same_host: uuidOrList, different_host: uuidOrList },
      additionalProperties: true,
    },
    'OS-SCH-HNT:scheduler_hints': {
      type: 'object',
      properties: { group: uuid, same_host: uuidOrList, different_host: uuidOrList },
      additionalProperties: true,
    },
  },
} as const;

/** 2.57 drops personality from the create schema, so asking for it is a 400 from then on. */
export const serverCreateSchemaV257 = {
  ...serverCreateSchema,
  properties: {
    ...serverCreateSchema.properties,
    server: {
      ...serverCreateSchema.properties.server,
      properties: Object.fromEntries(
        Object.entries(serverCreateSchema.properties.server.properties).filter(
          ([key]) => key !== 'personality',
        ),
      ),
    },
  },
} as const;

export interface ServerCreateBody {
  server: {
    name: string;
    imageRef?: string;
    flavorRef: string | number;
    adminPass?: string;
    metadata?: Record<string, string>;
    networks?: 'auto' | 'none' | { uuid?: string; port?: string | null; fixed_ip?: string }[];
    accessIPv4?: string;
    accessIPv6?: string;
    key_name?: string;
    availability_zone?: string;
    user_data?: string;
    config_drive?: boolean | string;
    min_count?: number | string;
    max_count?: number | string;
    return_reservation_id?: boolean | string;
    description?: string | null;
    hostname?: string;
    personality?: { path?: string; contents?: string }[];
    security_groups?: { name?: string }[];
  };
  'os:scheduler_hints'?: SchedulerHints;
  'OS-SCH-HNT:scheduler_hints'?: SchedulerHints;
}

export interface SchedulerHints {
  group?: string;
  same_host?: string | string[];
  different_host?: string | string[];
}

export const serverUpdateSchema = {
  type: 'object',
  required: ['server'],
  additionalProperties: false,
  properties: {
    server: {
      type: 'object',
      additionalProperties: false,
      properties: {
        name,
        accessIPv4: { type: 'string', format: 'ipv4' },
        accessIPv6: { type: 'string', format: 'ipv6' },
        'OS-DCF:diskConfig': { type: 'string', enum: ['AUTO', 'MANUAL'] },
        description,
        hostname: { type: 'string', minLength: 1, maxLength: 255 },
      },
    },
  },
} as const;

export interface ServerUpdateBody {
  server: {
    name?: string;
    accessIPv4?: string;
    accessIPv6?: string;
    description?: string | null;
    hostname?: string;
  };
}

export const metadataSchema = {
  type: 'object',
  required: ['metadata'],
  additionalProperties: false,
  properties: { metadata },
} as const;

export const metadataItemSchema = {
  type: 'object',
  required: ['meta'],
  additionalProperties: false,
  properties: { meta: { ...metadata, minProperties: 1, maxProperties: 1 } },
} as const;
