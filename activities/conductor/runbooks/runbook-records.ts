import { type DataSource } from 'typeorm';
import { type RunbookProgress, type RunbookState } from '../../../common/compute/runbooks';

/** The conductor's steps that keep a runbook's record (os-runbooks) up to date. */
export function createRunbookRecordSteps(dataSource: DataSource) {
  return {
    /** Keeps the latest progress: what GET shows while the conductor cannot answer the query. */
    async recordRunbookProgress(input: { id: string; progress: RunbookProgress }): Promise<void> {
      await dataSource.query(
        `UPDATE runbooks SET progress = $2, updated_at = now() WHERE id = $1 AND status = 'running'`,
        [input.id, JSON.stringify(input.progress)],
      );
    },

    /** Ends the record in its final state; ending it again changes nothing. */
    async finishRunbook(input: {
      id: string;
      state: RunbookState;
      progress: RunbookProgress;
    }): Promise<void> {
      await dataSource.query(
        `UPDATE runbooks SET status = $2, progress = $3, updated_at = now(), finished_at = now()
          WHERE id = $1 AND status = 'running'`,
        [input.id, input.state, JSON.stringify(input.progress)],
      );
    },
  };
}
