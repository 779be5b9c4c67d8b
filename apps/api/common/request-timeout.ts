import { type NextFunction, type Request, type Response } from 'express';
import { type Logger } from '../../../common/logger';
import { ApiError } from './api-error';
import { sendError } from './error-filter';

/** Glance's image data routes, which stream for as long as the image takes. */
const IMAGE_DATA = /^\/image\/v2\/images\/[^/]+\/file\/?$/;

/**
 * [api] request_timeout: a request (other than image data) still unanswered after `seconds` is
 * answered 503 in its service's error body. Nova has no limit of its own; 503 rather than 504
 * because nothing stands between client and service here: the service itself did not finish in
 * time, and may be asked again. The API's statements are bounded by [database]
 * statement_timeout and never by more than this limit (database.module.ts), so a request
 * answered 503 leaves no query of its own running long behind it.
 */
export function requestTimeout(seconds: number, logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (seconds <= 0 || IMAGE_DATA.test(req.path)) return next();
    const timer = setTimeout(() => {
      if (res.headersSent) return;
      logger.warn({ path: req.path, method: req.method, seconds }, 'request timed out');
      // The connection goes too: a client still trickling its body in holds nothing more.
      res.setHeader('connection', 'close');
      sendError(
        req,
        res,
        new ApiError(
          'serviceUnavailable',
          `The request did not finish within ${seconds} seconds ([api] request_timeout); try again later.`,
        ),
        logger,
      );
      res.locals.timedOut = true;
    }, seconds * 1000);
    res.on('close', () => clearTimeout(timer));
    next();
  };
}
