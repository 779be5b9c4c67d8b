import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import { type Request, type Response } from 'express';
import { type Logger } from '../../../common/logger';
import { ApiError, type ErrorKind } from './api-error';
import { databaseInputError } from './database-errors';
import { errorBody } from './error-body';

const KIND_BY_STATUS: Record<number, ErrorKind> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  406: 'notAcceptable',
  409: 'conflictingRequest',
  410: 'gone',
  413: 'overLimit',
  415: 'unsupportedMediaType',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

/** Turns anything thrown while serving a request into an ApiError. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status === 404) return new ApiError('itemNotFound', 'The resource could not be found.');
    return new ApiError(KIND_BY_STATUS[status] ?? 'computeFault', error.message);
  }
  const parserError = error as { type?: string; status?: number };
  if (parserError?.type === 'entity.parse.failed')
    return new ApiError('badRequest', 'Malformed request body');
  if (parserError?.type === 'entity.too.large') return new ApiError('overLimit', 'Request is too large.');
  if (parserError?.status && KIND_BY_STATUS[parserError.status]) {
    return new ApiError(KIND_BY_STATUS[parserError.status], (error as Error).message);
  }
  const databaseError = databaseInputError(error);
  if (databaseError) return databaseError;
  return new ApiError(
    'computeFault',
    'Unexpected API Error. Please report this at https://github.com/novaflow and attach the API log if possible.',
  );
}

export function sendError(req: Request, res: Response, error: unknown, logger: Logger): void {
  // Answered already by [api] request_timeout: what the handler ends with has no one to go to.
  if (res.locals.timedOut === true) return;
  const apiError = toApiError(error);
  if (apiError.status >= 500) logger.error({ err: error, path: req.path }, 'request failed');
  // Input that reached the database unchecked: answered 4xx, but a check is missing somewhere.
  else if (!(error instanceof ApiError) && databaseInputError(error))
    logger.warn({ err: error, path: req.path }, 'the database refused a value of the request');
  if (res.headersSent) {
    res.end();
    return;
  }
  for (const [name, value] of Object.entries(apiError.headers)) res.setHeader(name, value);
  res.status(apiError.status).json(errorBody(req.path, apiError));
}

/** Catches every exception thrown inside Nest's request handling. */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendError(http.getRequest<Request>(), http.getResponse<Response>(), error, this.logger);
  }
}
