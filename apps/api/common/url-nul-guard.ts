import { type NextFunction, type Request, type Response } from 'express';
import { type Logger } from '../../../common/logger';
import { badRequest } from './api-error';
import { sendError } from './error-filter';

/**
 * Refuses a URL that holds an encoded NUL (%00) in its path or query: PostgreSQL cannot hold
 * U+0000 in text, so no id, name or filter with one can match anything; 400 in the service's
 * own error body, before any handler reads it. (Bodies are checked by validateBody.)
 */
export function urlNulGuard(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!/%00/i.test(req.originalUrl)) return next();
    sendError(req, res, badRequest('Invalid input: the URL holds a NUL character (%00).'), logger);
  };
}
