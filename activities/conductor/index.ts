import { type Client } from '@temporalio/client';
import { type DataSource } from 'typeorm';
import { type Config } from '../../common/config';
import { type Logger } from '../../common/logger';
import { createBuildActivities } from './build-instance';
import { createDeleteActivities } from './delete-instance';
import { createHostReportActivities } from './host-reports';
import { createEvacuateSteps } from './moves/evacuate-steps';
import { createLiveMigrationSteps } from './moves/live-migration-steps';
import { createMoveSteps } from './moves/move-steps';
import { createResizeSteps } from './moves/resize-steps';
import { type InstanceNetworking } from './networking';
import { createOperationSteps } from './operations/operation-steps';
import { createPowerSyncSteps } from './power-sync';
import { createPowerSyncSchedules } from './power-sync-schedules';
import { createReclaimActivities } from './reclaim';
import { createRebuildActivities } from './rebuild-instance';
import { createReconcilerActivities } from './reconciler';
import { createServerEventSteps } from './server-events';
import { createHostServiceSteps } from './runbooks/host-services';
import { createRunbookMoveSteps } from './runbooks/runbook-moves';
import { createRunbookRecordSteps } from './runbooks/runbook-records';
import { createWorkflowControlActivities } from './workflow-control';

export interface ConductorDependencies {
  dataSource: DataSource;
  config: Config;
  logger: Logger;
  networking: InstanceNetworking;
  temporal: Client;
}

/** Every activity the conductor worker registers: the database side of every workflow. */
export function createConductorActivities(deps: ConductorDependencies) {
  return {
    ...createHostReportActivities(deps.dataSource, deps.config.DEFAULT.service_down_time * 1000),
    ...createOperationSteps(deps.dataSource),
    ...createBuildActivities(deps),
    ...createDeleteActivities(deps),
    ...createMoveSteps(deps),
    ...createResizeSteps(deps),
    ...createLiveMigrationSteps(deps),
    ...createEvacuateSteps(deps),
    ...createReclaimActivities(deps.dataSource),
    ...createRebuildActivities(deps),
    ...createReconcilerActivities({
      ...deps,
      graceSeconds: deps.config.conductor.reconcile_interval,
      ensurePowerSyncSchedules: createPowerSyncSchedules({
        ...deps,
        intervalSeconds: deps.config.DEFAULT.sync_power_state_interval,
      }),
    }),
    ...createWorkflowControlActivities(deps.temporal),
    ...createHostServiceSteps(deps),
    ...createRunbookMoveSteps(deps),
    ...createRunbookRecordSteps(deps.dataSource),
    ...createPowerSyncSteps(deps),
    ...createServerEventSteps(deps),
  };
}
