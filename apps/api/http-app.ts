import { type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type NestExpressApplication } from '@nestjs/platform-express';
import express, { type NextFunction, type Request, type Response } from 'express';
import { type Settings } from '../../common/config';
import { type Logger } from '../../common/logger';
import { AppModule } from './app.module';
import { accessLog } from './common/access-log';
import { ApiErrorFilter, sendError } from './common/error-filter';
import { mountOpenApi } from './common/openapi';
import { requestIdMiddleware } from './common/request-context';
import { requestTimeout } from './common/request-timeout';
import { urlNulGuard } from './common/url-nul-guard';
import { ApiMetrics } from './metrics/api-metrics';

/** Nova's [oslo_middleware] max_request_body_size: larger JSON bodies get 413. */
const MAX_JSON_BODY_BYTES = 114688;

/** JSON bodies, including Glance's JSON-patch media type; image uploads stay streams. */
const JSON_TYPES = ['application/json', 'application/*+json', 'application/openstack-images-v2.1-json-patch'];

export async function createHttpApp(settings: Settings, logger: Logger): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(settings, logger), {
    bodyParser: false,
    logger: false,
  });
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestIdMiddleware);
  app.use(app.get(ApiMetrics).middleware);
  app.use(accessLog(logger));
  app.use(requestTimeout(settings.config.api.request_timeout, logger));
  app.use(urlNulGuard(logger));
  app.use(express.json({ limit: MAX_JSON_BODY_BYTES, type: JSON_TYPES }));
  // Errors raised before Nest's routing (a malformed or oversized body) still get an API error body.
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) =>
    sendError(req, res, error, logger),
  );
  app.useGlobalFilters(new ApiErrorFilter(logger));
  mountOpenApi(app, settings.env.publicUrl);
  app.enableShutdownHooks();
  return app;
}
