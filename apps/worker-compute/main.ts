import { hostname } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createComputeActivities } from '../../activities/compute';
import { MOVE_SIGNALS } from '../../common/compute/move-signals';
import { loadSettings } from '../../common/config';
import { activityLog } from '../../common/activity-log';
import { faultPointInterceptors } from '../../common/fault-points';
import { createLogger } from '../../common/logger';
import { exitOnStartupError, onShutdown } from '../../common/process-lifecycle';
import { computeTaskQueue } from '../../common/task-queues';
import {
  connectTemporal,
  connectTemporalWorker,
  DEFAULT_TEMPORAL_ADDRESS,
} from '../../common/temporal-connection';
import { installTemporalRuntime } from '../../common/temporal-runtime';
import { Tracing } from '../../common/tracing';
import { HostReporter } from './host-reporter';
import { ProcessReporter } from './process-reporter';
import { ImageCache } from './image-cache';
import { ServiceSession } from './service-session';
import { StartupGate } from './startup-gate';
import { createDriver } from './virt';

/**
 * Activity polls this process keeps open across its hosts (the SDK's default is 5 per worker). A
 * process of many fake hosts gets one per host, which still takes each task as it comes: a thousand
 * hosts must not hold five thousand long polls (the server caps them per namespace, 1,200 by default).
 */
const PROCESS_ACTIVITY_POLLS = 16;
const MAX_POLLS_PER_HOST = 5;

function activityPollsPerHost(hostCount: number): number {
  return Math.max(1, Math.min(MAX_POLLS_PER_HOST, Math.floor(PROCESS_ACTIVITY_POLLS / hostCount)));
}

/**
 * nova-compute: one Temporal worker per host on task queue `compute.<host>`, each owning one virt
 * driver, all sharing one connection. A real host runs one; fake hosts for scale run many here.
 * This process has no database configuration: it knows only Temporal and its hypervisor.
 */
async function main() {
  const logger = createLogger('worker-compute');
  const { values } = parseArgs({
    options: {
      host: { type: 'string', multiple: true },
      // Nova's --config-file: options for this host's process over the shared file's (the local
      // cloud gives its libvirt hosts their driver and daemon this way).
      'config-file': { type: 'string', multiple: true },
    },
  });
  const { config, env, warnings } = loadSettings(process.env, values['config-file'] ?? []);
  warnings.forEach((warning) => logger.warn(warning));
  const hosts = values.host?.length ? values.host : [config.DEFAULT.host || hostname()];

  installTemporalRuntime(logger, env.metricsAddress);
  const tracing = Tracing.start('compute');
  const address = env.temporalAddress ?? DEFAULT_TEMPORAL_ADDRESS;
  const nativeConnection = await connectTemporalWorker(address, env.temporalAccess);
  const connection = await connectTemporal(address, env.temporalAccess);
  const client = new Client({
    connection,
    namespace: env.temporalNamespace,
    interceptors: tracing.clientInterceptors(),
  });
  const session = new ServiceSession(config, env);
  const instancesPath = config.DEFAULT.instances_path || join(env.dataDir, 'instances');

  const pollsPerHost = activityPollsPerHost(hosts.length);
  const reports = new ProcessReporter(hosts[0], client, config, logger);
  reports.start();
  const running = await Promise.all(
    hosts.map(async (host) => {
      const driver = createDriver(host, config, instancesPath);
      const imageCache = new ImageCache(join(instancesPath, host, '_base'), session);
      const gate = new StartupGate();
      const worker = await Worker.create({
        connection: nativeConnection,
        namespace: env.temporalNamespace,
        taskQueue: computeTaskQueue(host),
        maxConcurrentActivityTaskPolls: pollsPerHost,
        interceptors: {
          activity: [
            gate.interceptors(),
            activityLog(logger, 'info'),
            ...tracing.activityInterceptors(),
            ...faultPointInterceptors(),
          ],
        },
        activities: createComputeActivities({
          driver,
          imageCache,
          reportProgress: (workflowId, progress) =>
            client.workflow.getHandle(workflowId).signal(MOVE_SIGNALS.liveMigrationProgress, progress),
        }),
      });
      const run = worker.run();
      await new HostReporter(host, driver, client, config, logger).cleanUpAtStartup();
      // Each host takes work and reports as soon as its own start-up is done: a process of many
      // hosts does not hold the ready ones back while the conductor answers the others.
      gate.openNow();
      reports.add(host, driver);
      return { host, worker, run };
    }),
  );

  logger.info({ hosts, namespace: env.temporalNamespace, address }, 'compute workers taking work');

  onShutdown(logger, async () => {
    await reports.stop();
    for (const { worker } of running) worker.shutdown();
    await Promise.all(running.map(({ run }) => run));
    await nativeConnection.close();
    await connection.close();
    await tracing.stop();
  });

  // A worker that dies on its own (lost connection beyond retries) takes the process down, so
  // the supervisor restarts it.
  await Promise.all(running.map(({ run }) => run));
}

main().catch((error) => exitOnStartupError(createLogger('worker-compute'), error));
