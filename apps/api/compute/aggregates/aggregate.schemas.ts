/** Nova's os-aggregates request schemas (nova/api/openstack/compute/schemas/aggregates.py, 2.1+). */
const name = { type: 'string', minLength: 1, maxLength: 255, format: 'name' };
/** parameter_types.name_with_leading_trailing_spaces: the controller strips it. */
const looseName = { type: 'string', minLength: 1, maxLength: 255 };
/** parameter_types.az_name: a name without a colon (az:host is how a boot names a host). */
const availabilityZone = {
  oneOf: [
    { type: 'string', minLength: 1, maxLength: 255, format: 'name', pattern: '^[^:]*$' },
    { type: 'null' },
  ],
};
/** parameter_types.fqdn */
const host = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9-._]*$' };

const wrapped = (key: string, inner: object) => ({
  type: 'object',
  required: [key],
  additionalProperties: false,
  properties: { [key]: inner },
});

export const aggregateCreateSchema = wrapped('aggregate', {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: { name, availability_zone: availabilityZone },
});

export const aggregateUpdateSchema = wrapped('aggregate', {
  type: 'object',
  additionalProperties: false,
  properties: { name: looseName, availability_zone: availabilityZone },
  anyOf: [{ required: ['name'] }, { required: ['availability_zone'] }],
});

export const addHostSchema = wrapped('add_host', {
  type: 'object',
  required: ['host'],
  additionalProperties: false,
  properties: { host },
});

export const removeHostSchema = wrapped('remove_host', {
  type: 'object',
  required: ['host'],
  additionalProperties: false,
  properties: { host },
});

/** parameter_types.metadata_with_null: a null value deletes the key. */
export const setMetadataSchema = wrapped('set_metadata', {
  type: 'object',
  required: ['metadata'],
  additionalProperties: false,
  properties: {
    metadata: {
      type: 'object',
      patternProperties: { '^[a-zA-Z0-9-_:. ]{1,255}$': { type: ['string', 'null'], maxLength: 255 } },
      additionalProperties: false,
    },
  },
});

export interface AggregateCreate {
  aggregate: { name: string; availability_zone?: string | null };
}
export interface AggregateUpdate {
  aggregate: { name?: string; availability_zone?: string | null };
}
