import { type Client } from '@temporalio/client';
import { type DataSource } from 'typeorm';
import { type Config } from '../../common/config';
import { type Logger } from '../../common/logger';
import { createBuildActivities } from './build-instance';
import { createDeleteActivities } from './delete-instance';
import { createHostReportActivities } from './host-reports';
import { type InstanceNetworking } from './networking';
import { createOperationSteps } from './operations/operation-steps';
import { createReclaimActivities } from './reclaim';
import { createReconcilerActivities } from './reconciler';
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
    ...createHostReportActivities(deps.dataSource),
    ...createOperationSteps(deps.dataSource),
    ...createBuildActivities(deps),
    ...createDeleteActivities(deps),
    ...createReclaimActivities(deps.dataSource),
    ...createReconcilerActivities({ ...deps, graceSeconds: deps.config.conductor.reconcile_interval }),
    ...createWorkflowControlActivities(deps.temporal),
  };
}
