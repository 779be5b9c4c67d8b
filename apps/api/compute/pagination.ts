import { ApiError } from '../common/api-error';

/** The query parameters paginationParams reads, for the OpenAPI document. */
export const PAGINATION_PARAMS = { limit: { type: 'integer', minimum: 0 }, marker: { type: 'string' } };

/** Nova's limit and marker query parameters, limit capped at [api] max_limit. */
export function paginationParams(
  query: Record<string, unknown>,
  maxLimit: number,
): { limit: number; marker?: string } {
  let limit = maxLimit;
  if (query.limit !== undefined) {
    const text = String(query.limit);
    if (!/^-?\d+$/.test(text)) throw new ApiError('badRequest', 'limit param must be an integer');
    const value = Number(text);
    if (value < 0) throw new ApiError('badRequest', 'limit param must be positive');
    limit = Math.min(value, maxLimit);
  }
  return { limit, marker: query.marker === undefined ? undefined : String(query.marker) };
}

/** An integer query parameter such as minRam, or 400 naming it. */
export function integerParam(query: Record<string, unknown>, name: string): number | undefined {
  const value = query[name];
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(String(value)))
    throw new ApiError('badRequest', `Invalid ${name} filter [${String(value)}]`);
  return Number(value);
}
