import { type NextFunction, type Request, type Response } from 'express';
import { type Logger } from '../../../common/logger';

/**
 * One JSON line per answered request, as nova-api's "GET /v2.1/servers status: 200 len: 1234
 * time: 0.05" (the logger adds the request id): method, path without its query, status, bytes
 * and seconds.
 */
export function accessLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const startedAt = process.hrtime.bigint();
    res.on('finish', () =>
      logger.info(
        {
          method: req.method,
          path: req.path,
          status: res.statusCode,
          length: Number(res.getHeader('content-length') ?? 0),
          seconds: Number(process.hrtime.bigint() - startedAt) / 1e9,
        },
        'request answered',
      ),
    );
    next();
  };
}
