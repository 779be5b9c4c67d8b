/**
 * Nova's flavor-manage request schemas (parameter_types.flavor_param_positive and friends, copies
 * of volume_size: at least one digit, so "" is refused; bounded at the database's MAX_INT).
 */
const positive = { type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 1, maximum: 2147483647 };
const nonNegative = { type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 0, maximum: 2147483647 };
const description = { type: ['string', 'null'], minLength: 0, maxLength: 65535 };

export const flavorCreateSchema = {
  type: 'object',
  required: ['flavor'],
  additionalProperties: false,
  properties: {
    flavor: {
      type: 'object',
      required: ['name', 'ram', 'vcpus', 'disk'],
      additionalProperties: false,
      properties: {
        name: { type: 'string', format: 'name', minLength: 1, maxLength: 255 },
        // Nova takes a number too (Tempest sends a random integer) and stores its string form.
        id: {
          type: ['string', 'number', 'null'],
          minLength: 1,
          maxLength: 255,
          pattern: '^(?! )[a-zA-Z0-9. _-]+(?<! )$',
        },
        ram: positive,
        vcpus: positive,
        disk: nonNegative,
        'OS-FLV-EXT-DATA:ephemeral': nonNegative,
        swap: nonNegative,
        rxtx_factor: {
          type: ['number', 'string'],
          pattern: '^[0-9]+(\\.[0-9]+)?$',
          minimum: 0,
          exclusiveMinimum: 0,
          maximum: 3.40282e38,
        },
        'os-flavor-access:is_public': {
          type: ['boolean', 'string'],
          enum: [true, false, 'True', 'False', 'true', 'false', '1', '0'],
        },
        description,
      },
    },
  },
} as const;

export const flavorUpdateSchema = {
  type: 'object',
  required: ['flavor'],
  additionalProperties: false,
  properties: {
    flavor: {
      type: 'object',
      required: ['description'],
      additionalProperties: false,
      properties: { description },
    },
  },
} as const;

const extraSpecs = {
  type: 'object',
  patternProperties: {
    '^[a-zA-Z0-9-_:. ]{1,255}$': { type: ['string', 'number', 'boolean'], maxLength: 255 },
  },
  additionalProperties: false,
};

export const extraSpecsCreateSchema = {
  type: 'object',
  required: ['extra_specs'],
  additionalProperties: false,
  properties: { extra_specs: { ...extraSpecs, minProperties: 1 } },
} as const;

export const extraSpecUpdateSchema = { ...extraSpecs, minProperties: 1, maxProperties: 1 } as const;

const tenantAccess = {
  type: 'object',
  required: ['tenant'],
  additionalProperties: false,
  properties: { tenant: { type: 'string', minLength: 1, maxLength: 255 } },
};

export const flavorActionSchema = {
  type: 'object',
  minProperties: 1,
  maxProperties: 1,
  additionalProperties: false,
  properties: { addTenantAccess: tenantAccess, removeTenantAccess: tenantAccess },
} as const;

export interface FlavorCreateBody {
  flavor: {
    name: string;
    id?: string | number | null;
    ram: number | string;
    vcpus: number | string;
    disk: number | string;
    'OS-FLV-EXT-DATA:ephemeral'?: number | string;
    swap?: number | string;
    rxtx_factor?: number | string;
    'os-flavor-access:is_public'?: boolean | string;
    description?: string | null;
  };
}
