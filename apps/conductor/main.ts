import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createConductorActivities } from '../../activities/conductor';
import { networkService } from '../../activities/conductor/networking';
import { enabledFilters } from '../../activities/conductor/scheduler/filters';
import { ConfigError, loadSettings } from '../../common/config';
import { createLogger } from '../../common/logger';
import { distDir } from '../../common/paths';
import { exitOnStartupError, onShutdown } from '../../common/process-lifecycle';
import { CONDUCTOR_TASK_QUEUE } from '../../common/task-queues';
import { connectTemporal, DEFAULT_TEMPORAL_ADDRESS } from '../../common/temporal-connection';
import { installTemporalRuntime } from '../../common/temporal-runtime';
import { createDataSource } from '../../entities/data-source';
import { ensureReconcilerSchedule } from './reconciler-schedule';
import { ServiceHeartbeat } from './service-heartbeat';

/** The prebuilt bundle when `npm run build` made one, else the workflow sources (bundled now). */
function workflowSource() {
  const bundle = join(distDir(), 'workflow-bundle.js');
  return existsSync(bundle)
    ? { workflowBundle: { codePath: bundle } }
    : { workflowsPath: require.resolve('../../workflows') };
}

/**
 * nova-conductor and nova-scheduler: the Temporal worker on task queue `conductor` that runs every
 * workflow and the activities that touch the database.
 */
async function main() {
  const logger = createLogger('conductor');
  const { config, env, warnings } = loadSettings();
  warnings.forEach((warning) => logger.warn(warning));
  if (!env.databaseUrl) throw new ConfigError('DATABASE_URL is not set: the conductor needs the database');

  installTemporalRuntime(logger);
  const dataSource = await createDataSource(env.databaseUrl, {
    applicationName: 'novaflow-conductor',
  }).initialize();
  const address = env.temporalAddress ?? DEFAULT_TEMPORAL_ADDRESS;
  const connection = await NativeConnection.connect({ address });
  const clientConnection = await connectTemporal(address);
  const temporal = new Client({ connection: clientConnection, namespace: env.temporalNamespace });
  // A filter name that does not exist stops start-up, as any bad configuration value does.
  enabledFilters(config.filter_scheduler.enabled_filters);
  const worker = await Worker.create({
    connection,
    namespace: env.temporalNamespace,
    taskQueue: CONDUCTOR_TASK_QUEUE,
    ...workflowSource(),
    activities: createConductorActivities({
      dataSource,
      config,
      logger,
      temporal,
      networking: networkService(config.DEFAULT.default_availability_zone),
    }),
  });
  await ensureReconcilerSchedule(temporal, config.conductor.reconcile_interval, logger);
  const heartbeat = new ServiceHeartbeat(dataSource, config, logger);
  heartbeat.start();
  logger.info(
    { namespace: env.temporalNamespace, address, taskQueue: CONDUCTOR_TASK_QUEUE },
    'conductor polling',
  );

  const run = worker.run();
  onShutdown(logger, async () => {
    heartbeat.stop();
    worker.shutdown();
    await run;
    await connection.close();
    await clientConnection.close();
    await dataSource.destroy();
  });
  await run;
}

main().catch((error) => exitOnStartupError(createLogger('conductor'), error));
