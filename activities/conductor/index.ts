import { type DataSource } from 'typeorm';
import { createHostReportActivities } from './host-reports';

export interface ConductorDependencies {
  dataSource: DataSource;
}

/** Every activity the conductor worker registers on its task queue. */
export function createConductorActivities(deps: ConductorDependencies) {
  return {
    ...createHostReportActivities(deps.dataSource),
  };
}
