import Ajv, { type ErrorObject, type Schema, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ApiError } from './api-error';
import {
  brokenBound,
  type NumericBounds,
  NUMERIC_STRING_KEYWORD,
  withNumericStringBounds,
} from './numeric-string';
import { pyRepr, pyStr } from './py-repr';

const ajv = new Ajv({ allErrors: false, strict: false, allowUnionTypes: true });
addFormats(ajv, ['uuid', 'date-time', 'ipv4', 'ipv6', 'email', 'uri']);
// Nova's "name" format: printable, without leading or trailing whitespace.
ajv.addFormat(
  'name',
  (value: string) => value === value.trim() && ![...value].some((ch) => ch.charCodeAt(0) < 32),
);
// Nova's base64 format: user_data must decode.
ajv.addFormat('base64', (value: string) => value.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(value));
// CIDR as Neutron accepts it.
ajv.addFormat('cidr', /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$|^[0-9a-fA-F:]+\/\d{1,3}$/);

// Nova's minimum/maximum on strings that stand for numbers (see numeric-string.ts); the error
// names the bound's own keyword, so that it reads as jsonschema's.
ajv.addKeyword({
  keyword: NUMERIC_STRING_KEYWORD,
  type: 'string',
  schemaType: 'object',
  errors: true,
  validate: function numericStringBounds(bounds: NumericBounds, data: string): boolean {
    const broken = brokenBound(data, bounds);
    if (!broken) return true;
    (numericStringBounds as { errors?: Partial<ErrorObject>[] }).errors = [
      { keyword: broken.keyword, params: { limit: broken.limit }, message: broken.message },
    ];
    return false;
  },
});

const compiled = new WeakMap<object, ValidateFunction>();

function compile(schema: Schema): ValidateFunction {
  let validate = compiled.get(schema as object);
  if (!validate) {
    validate = ajv.compile(withNumericStringBounds(schema) as Schema);
    compiled.set(schema as object, validate);
  }
  return validate;
}

/** jsonschema's message for one failed keyword, in Python's words. */
function jsonschemaMessage(error: ErrorObject, instance: unknown): string {
  const params = error.params as Record<string, unknown>;
  // A numeric string's bound, already in jsonschema's words about the number it stands for.
  if (typeof instance === 'string' && error.message && /^(exclusiveM|m)(in|ax)imum$/.test(error.keyword))
    return error.message;
  switch (error.keyword) {
    case 'type': {
      const types = ([] as string[]).concat(params.type as string);
      return `${pyRepr(instance)} is not of type ${types.map((type) => `'${type}'`).join(', ')}`;
    }
    case 'required':
      return `${pyRepr(params.missingProperty)} is a required property`;
    case 'additionalProperties':
      return `Additional properties are not allowed (${pyRepr(params.additionalProperty)} was unexpected)`;
    case 'minLength':
    case 'minItems':
      return `${pyRepr(instance)} is too short`;
    case 'maxLength':
    case 'maxItems':
      return `${pyRepr(instance)} is too long`;
    case 'pattern':
      return `${pyRepr(instance)} does not match ${pyRepr(params.pattern)}`;
    case 'enum':
      return `${pyRepr(instance)} is not one of ${pyRepr(params.allowedValues)}`;
    case 'const':
      return `${pyRepr(params.allowedValue)} was expected`;
    case 'minimum':
      return `${pyRepr(instance)} is less than the minimum of ${pyRepr(params.limit)}`;
    case 'maximum':
      return `${pyRepr(instance)} is greater than the maximum of ${pyRepr(params.limit)}`;
    case 'exclusiveMinimum':
      return `${pyRepr(instance)} is less than or equal to the minimum of ${pyRepr(params.limit)}`;
    case 'exclusiveMaximum':
      return `${pyRepr(instance)} is greater than or equal to the maximum of ${pyRepr(params.limit)}`;
    case 'format':
      return `${pyRepr(instance)} is not a ${pyRepr(params.format)}`;
    case 'minProperties':
      return `${pyRepr(instance)} does not have enough properties`;
    case 'maxProperties':
      return `${pyRepr(instance)} has too many properties`;
    case 'uniqueItems':
      return `${pyRepr(instance)} has non-unique elements`;
    default:
      return `${pyRepr(instance)} is not valid under any of the given schemas`;
  }
}

function valueAt(body: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], body);
}

export type ValidationStyle = 'nova' | 'keystone' | 'glance' | 'neutron';

/** Python's rendering of a JSON path, e.g. ['properties']['disk_format']. */
const pySubscripts = (parts: string[]) => parts.map((part) => `[${pyRepr(part)}]`).join('');

/**
 * Glance's words: its InvalidObject around str() of jsonschema's error, naming the schema (the
 * JSON schema's `title`), the failed keyword, where it sits in the schema and the offending field.
 */
function glanceMessage(
  schema: Schema,
  error: ErrorObject,
  message: string,
  path: string[],
  instance: unknown,
) {
  const name = (schema as { title?: string }).title ?? 'object';
  const schemaPath = error.schemaPath.replace(/^#\/?/, '').split('/').filter(Boolean).slice(0, -1);
  const on = path.length > 0 ? `\n\nOn instance${pySubscripts(path)}:\n    ${pyRepr(instance)}` : '';
  return (
    `Provided object does not match schema '${name}': ${message}\n\n` +
    `Failed validating '${error.keyword}' in schema${pySubscripts(schemaPath)}${on}`
  );
}

/** Neutron's API layer words: unknown and missing attributes have their own messages. */
function neutronMessage(error: ErrorObject, field: string | undefined, message: string): string {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties')
    return `Unrecognized attribute(s) '${params.additionalProperty}'`;
  if (error.keyword === 'required') {
    return `Failed to parse request. Required attribute '${params.missingProperty}' not specified`;
  }
  return `Invalid input for ${field ?? 'body'}. Reason: ${message}.`;
}

/**
 * Validates a request body against a JSON schema with Nova's constraints. A failure is a 400
 * whose message names the field, as Nova's ("Invalid input for field/attribute name. Value: ..."),
 * Keystone's ("Invalid input for field 'name': ..."), Glance's ("Provided object does not
 * match schema 'image': ...") or Neutron's ("Invalid input for name. Reason: ...") validator words it.
 */
export function validateBody<T>(schema: Schema, body: unknown, style: ValidationStyle = 'nova'): T {
  const validate = compile(schema);
  if (validate(body)) {
    const nul = nulAt(body);
    if (nul === undefined) return body as T;
    const message = `${pyRepr(nul.value)} contains a NUL character, which no field may hold`;
    const asPattern = { keyword: 'pattern', params: {}, schemaPath: '#/pattern' } as unknown as ErrorObject;
    fail(style, schema, asPattern, nul.path, nul.value, message);
  }
  const error = validate.errors![0];
  const instance = valueAt(body, error.instancePath);
  const path = error.instancePath.split('/').filter(Boolean);
  fail(style, schema, error, path, instance, jsonschemaMessage(error, instance));
}

/**
 * The first string (key or value) holding U+0000, which PostgreSQL cannot store in text, with
 * where it is; a schema may allow any string, the database never does.
 */
function nulAt(node: unknown, path: string[] = []): { path: string[]; value: string } | undefined {
  if (typeof node === 'string') return node.includes('\0') ? { path, value: node } : undefined;
  if (node === null || typeof node !== 'object') return undefined;
  for (const [key, item] of Object.entries(node)) {
    if (key.includes('\0')) return { path, value: key };
    const found = nulAt(item, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

/** Throws the 400 of `style` for one failed keyword at `path`, `message` in jsonschema's words. */
function fail(
  style: ValidationStyle,
  schema: Schema,
  error: ErrorObject,
  path: string[],
  instance: unknown,
  message: string,
): never {
  const field = path[path.length - 1];
  if (style === 'glance') {
    throw new ApiError('badRequest', glanceMessage(schema, error, message, path, instance));
  }
  if (style === 'keystone') {
    throw new ApiError('badRequest', `Invalid input for field '${path.join('/') || 'body'}': ${message}`);
  }
  if (style === 'neutron') throw new ApiError('badRequest', neutronMessage(error, field, message));
  if (field === undefined) throw new ApiError('badRequest', message);
  throw new ApiError(
    'badRequest',
    `Invalid input for field/attribute ${field}. Value: ${pyStr(instance)}. ${message}`,
  );
}
