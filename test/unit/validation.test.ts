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
