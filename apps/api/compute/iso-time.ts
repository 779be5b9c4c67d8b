import { ApiError } from '../common/api-error';

/**
 * iso8601.parse_date's grammar, which Nova's query schemas use for format date-time
 * (changes-since, changes-before) on servers and instance actions.
 */
const ISO8601 =
  /^(\d{4})(?:(?:-(\d{1,2})|(\d{2})(?!$))(?:(?:-(\d{1,2})|(\d{2}))(?:[ T](\d{2})(?::?(\d{2}))?(?::?(\d{1,2})(?:[.,](\d+))?)?(Z|([-+])(\d{2}):?(\d{2})?)?)?)?)?$/;

/** A date-time query parameter, or the 400 of Nova's query schema naming it. */
export function dateTimeParam(name: string, raw: unknown): Date {
  const value = String(Array.isArray(raw) ? raw.at(-1) : raw);
  const invalid = () =>
    new ApiError(
      'badRequest',
      `Invalid input for query parameters ${name}. Value: ${value}. '${value}' is not a 'date-time'`,
    );
  const match = ISO8601.exec(value);
  if (!match) throw invalid();
  const [, y, md, m, dd, d, hh, mi, ss, fraction, zone, sign, tzh, tzm] = match;
  const [year, month, day] = [Number(y), Number(md ?? m ?? 1), Number(dd ?? d ?? 1)];
  const [hour, minute, second] = [Number(hh ?? 0), Number(mi ?? 0), Number(ss ?? 0)];
  const millis = Number(`0.${fraction ?? 0}`) * 1000;
  const offset = zone && zone !== 'Z' ? (sign === '-' ? -1 : 1) * (Number(tzh) * 60 + Number(tzm ?? 0)) : 0;
  const inRange =
    month >= 1 &&
    month <= 12 &&
    new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60;
  if (!inRange) throw invalid();
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis) - offset * 60_000);
}
