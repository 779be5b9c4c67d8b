import { ConfigError, loadSettings } from '../../common/config';
import { createLogger } from '../../common/logger';
import { exitOnStartupError, onShutdown } from '../../common/process-lifecycle';
import { currentRequestId } from './common/request-context';
import { createHttpApp } from './http-app';

/** nova-api, keystone, glance-api and neutron-server in one NestJS process, one port. */
async function main() {
  const logger = createLogger('api', () => {
    const requestId = currentRequestId();
    return requestId ? { request_id: requestId } : {};
  });
  const settings = loadSettings();
  settings.warnings.forEach((warning) => logger.warn(warning));
  if (!settings.env.databaseUrl) throw new ConfigError('DATABASE_URL is not set: the API needs the database');

  const app = await createHttpApp(settings, logger);
  // Image uploads stream for as long as they take; Node's 5-minute request limit would cut large ones.
  app.getHttpServer().requestTimeout = 0;
  await app.listen(settings.env.apiPort, settings.env.apiHost);
  logger.info({ url: settings.env.publicUrl }, 'API listening');
  onShutdown(logger, () => app.close());
}

main().catch((error) => exitOnStartupError(createLogger('api'), error));
