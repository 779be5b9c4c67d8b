/**
 * Nova's validator (nova/api/validation/validators.py, _SchemaValidator) reads a string that
 * stands for a number as that number before it checks `minimum` and `maximum`, so that a quota of
 * "-5" or a flavor of "99999999999" vCPUs is refused as -5 or 99999999999 would be. JSON Schema
 * (and ajv) apply those keywords to numbers only; this is the part it leaves out.
 */

/** A string read as Python's int() would, else as its float(), else undefined (no bound applies). */
export function numberFromString(text: string): { value: number; repr: string } | undefined {
  const trimmed = text.trim();
  if (/^[+-]?\d+(_\d+)*$/.test(trimmed)) {
    const digits = BigInt(trimmed.replace(/_/g, ''));
    return { value: Number(digits), repr: digits.toString() };
  }
  const infinite = /^([+-]?)(inf|infinity|nan)$/i.exec(trimmed);
  if (infinite) {
    const nan = infinite[2].toLowerCase() === 'nan';
    const value = nan ? NaN : infinite[1] === '-' ? -Infinity : Infinity;
    return { value, repr: nan ? 'nan' : value < 0 ? '-inf' : 'inf' };
  }
  const decimal = /^[+-]?(\d+(_\d+)*)?(\.(\d+(_\d+)*)?)?([eE][+-]?\d+(_\d+)*)?$/;
  if (!decimal.test(trimmed) || !/\d/.test(trimmed.split(/[eE]/)[0])) return undefined;
  const value = Number(trimmed.replace(/_/g, ''));
  return { value, repr: pyFloatRepr(value) };
}

/** Python's repr() of a float: 5.0, 1.5, 1e+20, inf. */
function pyFloatRepr(value: number): string {
  if (!Number.isFinite(value)) return value < 0 ? '-inf' : 'inf';
  if (Number.isInteger(value) && Math.abs(value) < 1e16) return `${value}.0`;
  return String(value);
}

export interface NumericBounds {
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
}

/** The bound a numeric string breaks, with jsonschema's words for it; undefined if none. */
export function brokenBound(
  text: string,
  bounds: NumericBounds,
): { keyword: keyof NumericBounds; limit: number; message: string } | undefined {
  const number = numberFromString(text);
  if (!number) return undefined;
  const { value, repr } = number;
  const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = bounds;
  if (exclusiveMinimum !== undefined && value <= exclusiveMinimum)
    return {
      keyword: 'exclusiveMinimum',
      limit: exclusiveMinimum,
      message: `${repr} is less than or equal to the minimum of ${exclusiveMinimum}`,
    };
  if (minimum !== undefined && value < minimum)
    return { keyword: 'minimum', limit: minimum, message: `${repr} is less than the minimum of ${minimum}` };
  if (exclusiveMaximum !== undefined && value >= exclusiveMaximum)
    return {
      keyword: 'exclusiveMaximum',
      limit: exclusiveMaximum,
      message: `${repr} is greater than or equal to the maximum of ${exclusiveMaximum}`,
    };
  if (maximum !== undefined && value > maximum)
    return {
      keyword: 'maximum',
      limit: maximum,
      message: `${repr} is greater than the maximum of ${maximum}`,
    };
  return undefined;
}

const BOUND_KEYWORDS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'] as const;

/** The ajv keyword that carries a subschema's bounds to its string instances. */
export const NUMERIC_STRING_KEYWORD = 'numericStringBounds';

/**
 * A copy of `schema` in which every subschema with numeric bounds also carries them under
 * NUMERIC_STRING_KEYWORD, so that they apply to strings too, whatever the schema.
 */
export function withNumericStringBounds(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withNumericStringBounds);
  if (schema === null || typeof schema !== 'object') return schema;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    // enum and const hold values, not schemas.
    copy[key] = key === 'enum' || key === 'const' ? value : withNumericStringBounds(value);
  }
  const bounds = Object.fromEntries(
    BOUND_KEYWORDS.filter((keyword) => typeof copy[keyword] === 'number').map((keyword) => [
      keyword,
      copy[keyword],
    ]),
  );
  if (Object.keys(bounds).length > 0) copy[NUMERIC_STRING_KEYWORD] = bounds;
  return copy;
}
