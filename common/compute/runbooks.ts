/**
 * Runbooks: operator procedures on a host, each a workflow steered by signals and read by a
 * query. Shared by the API (which starts and steers them), the workflows and the conductor.
 * Pure data: workflows import this file.
 */

export const RUNBOOK_NAMES = ['drain-host', 'evacuate-host', 'host-maintenance'] as const;
export type RunbookName = (typeof RUNBOOK_NAMES)[number];

/** What an operator may tell a running runbook: by the API's action or `temporal workflow signal`. */
export const RUNBOOK_SIGNALS = ['pause', 'resume', 'approve', 'abort'] as const;
export type RunbookSignal = (typeof RUNBOOK_SIGNALS)[number];

/** The query every runbook answers with its progress. */
export const RUNBOOK_PROGRESS_QUERY = 'progress';

/** The abort signal's argument: whether a host the runbook disabled is enabled again (default yes). */
export interface AbortRequest {
  enable_host?: boolean;
}

/** Who started a runbook: its moves are recorded as theirs. */
export interface RunbookActor {
  userId: string;
  userName: string;
  projectId: string;
}

/** A runbook's parameters, with the API's defaults applied. */
export interface RunbookParameters {
  /** How many instances move at once (one batch). */
  concurrency: number;
  /** Wait for an operator's approve before each batch. */
  approve_batches: boolean;
  /** The disabled reason the host's compute service gets (drain-host, host-maintenance). */
  reason: string;
  /** How long to wait for an instance another operation holds before listing it as skipped. */
  busy_wait_seconds: number;
  /** evacuate-host: force the host's service down when it still reports (the operator fenced it). */
  force_down: boolean;
  /** host-maintenance: how long the maintenance lasts; 0 waits for an operator's approve. */
  maintenance_seconds: number;
  /** host-maintenance: live-migrate the drained instances back once the host is enabled again. */
  move_back: boolean;
}

export interface RunbookInput {
  id: string;
  runbook: RunbookName;
  host: string;
  actor: RunbookActor;
  parameters: RunbookParameters;
}

/** Where a runbook is: running its steps, held by the operator, or over. */
export type RunbookState =
  'running' | 'paused' | 'awaiting-approval' | 'in-maintenance' | 'completed' | 'aborted' | 'failed';

/** What became of one instance of the host. */
export type InstanceMoveStatus = 'pending' | 'moving' | 'waiting' | 'moved' | 'failed' | 'skipped';

export interface RunbookInstance {
  uuid: string;
  name: string;
  status: InstanceMoveStatus;
  /** The host it moves from. */
  source: string;
  /** The host it went to. */
  destination?: string;
  /** Why it did not move, or is waiting. */
  reason?: string;
  /** The move's request: its instance action (os-instance-actions) and migration. */
  request_id: string;
  /** The operation's workflow (its task id). */
  workflow_id?: string;
}

export interface RunbookProgress {
  runbook: RunbookName;
  host: string;
  state: RunbookState;
  /** The step it is at: a readable phrase. */
  step: string;
  /** Batches of moves done and planned (0 of 0 before the instances are listed). */
  batches: { done: number; total: number };
  instances: RunbookInstance[];
  /** host-maintenance with move_back: the drained instances, live-migrated back. */
  returned?: RunbookInstance[];
  /** Why it failed or was aborted. */
  message?: string;
}

/** The end states a runbook's record takes. */
export const RUNBOOK_FINAL_STATES: readonly RunbookState[] = ['completed', 'aborted', 'failed'];
