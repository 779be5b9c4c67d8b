import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createConductorActivities } from '../../activities/conductor';
import { networkService } from '../../activities/conductor/networking';
import { enabledFilters } from '../../activities/conductor/scheduler/filters';
import { ConfigError, loadSettings } from '../../common/config';
import { activityLog } from '../../common/activity-log';
import { faultPointInterceptors } from '../../common/fault-points';
import { createLogger } from '../../common/logger';
import { distDir } from '../../common/paths';
import { exitOnStartupError, onShutdown } from '../../common/process-lifecycle';
import { CONDUCTOR_TASK_QUEUE } from '../../common/task-queues';
import {
  connectTemporal,
  connectTemporalWorker,
  DEFAULT_TEMPORAL_ADDRESS,
} from '../../common/temporal-connection';
import { installTemporalRuntime } from '../../common/temporal-runtime';
import { Tracing, WORKFLOW_TRACING_INTERCEPTORS } from '../../common/tracing';
import { createDataSource } from '../../entities/data-source';
import { ensureReconcilerSchedule } from './reconciler-schedule';
import { ServiceHeartbeat } from './service-heartbeat';

/**
 * The prebuilt bundle when `npm run build` made one (its tracing interceptors bundled in), else
 * the workflow sources, bundled now with them.
 */
function workflowSource() {
  const bundle = join(distDir(), 'workflow-bundle.js');
  return existsSync(bundle)
    ? { workflowBundle: { codePath: bundle }, workflowModules: [] }
    : { workflowsPath: require.resolve('../../workflows'), workflowModules: [WORKFLOW_TRACING_INTERCEPTORS] };
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

  installTemporalRuntime(logger, env.metricsAddress);
  const tracing = Tracing.start('conductor');
  const dataSource = await createDataSource(env.databaseUrl, {
    applicationName: 'novaflow-conductor',
    statementTimeoutMs: config.database.statement_timeout * 1000,
  }).initialize();
  const address = env.temporalAddress ?? DEFAULT_TEMPORAL_ADDRESS;
  const connection = await connectTemporalWorker(address, env.temporalAccess);
  const clientConnection = await connectTemporal(address, env.temporalAccess);
  const temporal = new Client({
    connection: clientConnection,
    namespace: env.temporalNamespace,
    interceptors: tracing.clientInterceptors(),
  });
  // A filter name that does not exist stops start-up, as any bad configuration value does.
  enabledFilters(config.filter_scheduler.enabled_filters);
  const { workflowModules, ...source } = workflowSource();
  const worker = await Worker.create({
    connection,
    namespace: env.temporalNamespace,
    taskQueue: CONDUCTOR_TASK_QUEUE,
    maxCachedWorkflows: config.conductor.max_cached_workflows,
    interceptors: {
      activity: [
        activityLog(logger, 'debug'),
        ...tracing.activityInterceptors(),
        ...faultPointInterceptors(),
      ],
      workflowModules,
    },
    sinks: tracing.workflowSinks(),
    ...source,
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
    await tracing.stop();
  });
  await run;
}

main().catch((error) => exitOnStartupError(createLogger('conductor'), error));
