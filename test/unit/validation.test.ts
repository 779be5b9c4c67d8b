import { ApiError } from '../../apps/api/common/api-error';
import { validateBody } from '../../apps/api/common/validation';

const schema = {
  type: 'object',
  required: ['server'],
  additionalProperties: false,
  properties: {
    server: {
      type: 'object',
      required: ['name'],
      additionalProperties: false,
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 5, format: 'name' },
        count: { type: 'integer', minimum: 1 },
        kind: { type: 'string', enum: ['a', 'b'] },
        data: { type: 'string', format: 'base64' },
      },
    },
  },
};

const messageOf = (body: unknown, style?: 'nova' | 'keystone') => {
  try {
    validateBody(schema, body, style);
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    return (error as ApiError).message;
  }
  throw new Error('body was accepted');
};

describe("validation messages in Nova's and Keystone's words", () => {
  it.each([
    [
      { server: { name: 'x', count: 'two' } },
      "Invalid input for field/attribute count. Value: two. 'two' is not of type 'integer'",
    ],
    [
      { server: { name: 'x', count: 0 } },
      'Invalid input for field/attribute count. Value: 0. 0 is less than the minimum of 1',
    ],
    [
      { server: { name: 'toolong' } },
      "Invalid input for field/attribute name. Value: toolong. 'toolong' is too long",
    ],
    [{ server: { name: ' x' } }, "Invalid input for field/attribute name. Value:  x. ' x' is not a 'name'"],
    [
      { server: { name: 'x', kind: 'c' } },
      "Invalid input for field/attribute kind. Value: c. 'c' is not one of ['a', 'b']",
    ],
    [
      { server: { name: 'x', data: 'not base64!' } },
      "Invalid input for field/attribute data. Value: not base64!. 'not base64!' is not a 'base64'",
    ],
    [{ server: {} }, "Invalid input for field/attribute server. Value: {}. 'name' is a required property"],
    [
      { server: { name: 'x', extra: true } },
      "Invalid input for field/attribute server. Value: {'name': 'x', 'extra': True}. Additional properties are not allowed ('extra' was unexpected)",
    ],
    [{}, "'server' is a required property"],
  ])('%j → %s', (body, message) => {
    expect(messageOf(body)).toBe(message);
  });

  it("words Keystone's errors with the field path", () => {
    expect(messageOf({ server: { name: '' } }, 'keystone')).toBe(
      "Invalid input for field 'server/name': '' is too short",
    );
  });

  it('accepts a valid body as it is', () => {
    expect(validateBody(schema, { server: { name: 'ok', count: 2 } })).toEqual({
      server: { name: 'ok', count: 2 },
    });
  });
});

/** Nova's _SchemaValidator reads numeric strings as numbers before minimum and maximum. */
describe('bounds on strings that stand for numbers', () => {
  const quota = { type: ['integer', 'string'], pattern: '^-?[0-9]+$', minimum: -1, maximum: 2147483647 };
  const positive = { type: ['integer', 'string'], pattern: '^[0-9]*$', minimum: 1, minLength: 1 };
  const flavorParam = { type: ['integer', 'string'], pattern: '^[0-9]+$', minimum: 1, maximum: 2147483647 };
  const factor = { type: ['number', 'string'], pattern: '^[0-9]+(\\.[0-9]+)?$', exclusiveMinimum: 0 };
  const wrap = (field: object) => ({
    type: 'object',
    properties: { set: { type: 'object', properties: { value: field } } },
  });
  const fail = (field: object, value: unknown, style?: 'nova' | 'keystone' | 'glance' | 'neutron') => {
    try {
      validateBody(wrap(field), { set: { value } }, style);
    } catch (error) {
      expect((error as ApiError).status).toBe(400);
      return (error as ApiError).message;
    }
    throw new Error(`${JSON.stringify(value)} was accepted`);
  };

  it.each([
    [quota, '-5', 'Value: -5. -5 is less than the minimum of -1'],
    [quota, '2147483648', 'Value: 2147483648. 2147483648 is greater than the maximum of 2147483647'],
    [
      quota,
      '99999999999999999999999',
      'Value: 99999999999999999999999. 99999999999999999999999 is greater than the maximum of 2147483647',
    ],
    [positive, '0', 'Value: 0. 0 is less than the minimum of 1'],
    [positive, '', "Value: . '' is too short"],
    [positive, '-1', "Value: -1. '-1' does not match '^[0-9]*$'"],
    [flavorParam, '', "Value: . '' does not match '^[0-9]+$'"],
    [flavorParam, '0', 'Value: 0. 0 is less than the minimum of 1'],
    [flavorParam, '99999999999', 'Value: 99999999999. 99999999999 is greater than the maximum of 2147483647'],
    [factor, '0', 'Value: 0. 0 is less than or equal to the minimum of 0'],
    [factor, '0.0', 'Value: 0.0. 0.0 is less than or equal to the minimum of 0'],
    [factor, 0, 'Value: 0. 0 is less than or equal to the minimum of 0'],
  ])('%j refuses %j: %s', (field, value, message) => {
    expect(fail(field, value)).toBe(`Invalid input for field/attribute value. ${message}`);
  });

  it('still accepts numeric strings within the bounds, and integers as before', () => {
    for (const value of ['-1', '0', '10', '2147483647', 10, -1]) {
      expect(validateBody(wrap(quota), { set: { value } })).toEqual({ set: { value } });
    }
    expect(validateBody(wrap(factor), { set: { value: '1.5' } })).toEqual({ set: { value: '1.5' } });
  });

  it('bounds numeric strings in every service style', () => {
    expect(fail(quota, '-5', 'keystone')).toBe(
      "Invalid input for field 'set/value': -5 is less than the minimum of -1",
    );
    expect(fail(quota, '-5', 'neutron')).toBe(
      'Invalid input for value. Reason: -5 is less than the minimum of -1.',
    );
    expect(fail(quota, '-5', 'glance')).toContain(
      "-5 is less than the minimum of -1\n\nFailed validating 'minimum' in schema['properties']['set']['properties']['value']",
    );
  });

  it('leaves strings that are not numbers to the other keywords, as Nova does', () => {
    const bounded = { type: 'string', minimum: 1 };
    expect(validateBody(wrap(bounded), { set: { value: 'abc' } })).toEqual({ set: { value: 'abc' } });
  });
});
