/**
 * How Nova reads a service or hypervisor id from a path: a UUID from microversion 2.53 and an
 * integer (the table's own id) below it.
 */
export const UUID_FOR_ID_MIN_VERSION = '2.53';

const DASHED =
  /^\{?(?:urn:uuid:)?([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})\}?$/i;

/** oslo's is_uuid_like, returning the canonical (lower-case, dashed) form, or null. */
export function canonicalUuid(id: string): string | null {
  const match = DASHED.exec(id);
  return match ? match.slice(1).join('-').toLowerCase() : null;
}

/** Python's int(str(value)) as utils.validate_integer uses it, or null for anything else. */
export function parseInteger(id: string): number | null {
  const trimmed = id.trim().replace(/_/g, '');
  if (!/^[+-]?\d+$/.test(trimmed) || /^_|_$|__/.test(id.trim())) return null;
  return Number(trimmed);
}

/** Whether an integer can be a row id (PostgreSQL's integer); larger ones match nothing. */
export const isRowId = (value: number) => Number.isSafeInteger(value) && value > 0 && value <= 2 ** 31 - 1;
