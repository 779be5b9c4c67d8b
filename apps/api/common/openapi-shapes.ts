/**
 * Small builders of the JSON schemas that describe response bodies in the OpenAPI document: the
 * shape of a body (wrapper keys, item properties and their types), never every value. Objects
 * allow further properties, as OpenStack's responses grow with microversions.
 */
export type JsonSchema = Record<string, unknown>;

export const str: JsonSchema = { type: 'string' };
export const int: JsonSchema = { type: 'integer' };
export const num: JsonSchema = { type: 'number' };
export const bool: JsonSchema = { type: 'boolean' };
/** Any JSON value. */
export const anyValue: JsonSchema = {};

/** `schema` or null. */
export const nullable = (schema: JsonSchema): JsonSchema => ({ anyOf: [schema, { type: 'null' }] });

export const arr = (items: JsonSchema): JsonSchema => ({ type: 'array', items });

/** An object with these properties, of which `required` are always there. */
export const obj = (properties: Record<string, JsonSchema>, required: string[] = []): JsonSchema => ({
  type: 'object',
  properties,
  ...(required.length > 0 && { required }),
});

/** An object whose keys are free and whose values are all `values` (metadata, extra specs). */
export const mapOf = (values: JsonSchema): JsonSchema => ({ type: 'object', additionalProperties: values });

/** `{"<key>": item}`, as most OpenStack bodies wrap one resource. */
export const wrapped = (key: string, item: JsonSchema): JsonSchema => obj({ [key]: item }, [key]);

/** A link as OpenStack's views give them: `{"rel": ..., "href": ...}`. */
export const link: JsonSchema = obj({ rel: str, href: str, type: str }, ['href']);

/**
 * `{"<key>": [item, ...]}`, with Nova's and Neutron's `<key>_links` (the next page) when given.
 */
export const collection = (key: string, item: JsonSchema): JsonSchema =>
  obj({ [key]: arr(item), [`${key}_links`]: arr(link) }, [key]);
