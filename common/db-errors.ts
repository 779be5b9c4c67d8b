import { QueryFailedError } from 'typeorm';

/** Whether a query failed on a UNIQUE constraint (PostgreSQL's unique_violation). */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505';
}

/** Whether a query failed on a FOREIGN KEY constraint (PostgreSQL's foreign_key_violation). */
export function isForeignKeyViolation(error: unknown): boolean {
  return error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23503';
}
