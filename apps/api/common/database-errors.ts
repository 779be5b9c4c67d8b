import { QueryFailedError } from 'typeorm';
import { ApiError } from './api-error';

/** PostgreSQL's query_canceled: what a statement cut by statement_timeout fails with. */
export const QUERY_CANCELED = '57014';
/** PostgreSQL's invalid_regular_expression (a pattern its engine cannot compile). */
export const INVALID_REGULAR_EXPRESSION = '2201B';

/** The SQLSTATE of a failed query, if the error is one. */
export function sqlState(error: unknown): string | undefined {
  return error instanceof QueryFailedError ? (error.driverError as { code?: string }).code : undefined;
}

/**
 * The API error for a query PostgreSQL refused because of a value the request carried, for
 * whatever input the API's own checks missed: data exceptions (SQLSTATE class 22: a NUL in
 * text, an out-of-range integer, a regular expression it cannot compile, a malformed date) are
 * the caller's bad input, 400; a statement cancelled by [database] statement_timeout is 503, as
 * any request the service could not finish in time. Anything else is not the caller's doing.
 */
export function databaseInputError(error: unknown): ApiError | undefined {
  const code = sqlState(error);
  if (code === undefined) return undefined;
  if (code === QUERY_CANCELED)
    return new ApiError(
      'serviceUnavailable',
      'The request took longer than the database allows ([database] statement_timeout) and was cancelled.',
    );
  if (code.startsWith('22')) return new ApiError('badRequest', `Invalid input: ${(error as Error).message}`);
  return undefined;
}
