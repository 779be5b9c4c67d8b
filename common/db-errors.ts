import { QueryFailedError } from 'typeorm';

/** Whether a query failed on a UNIQUE constraint (PostgreSQL's unique_violation). */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505';
}
