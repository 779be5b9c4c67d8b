import { uuid4 } from '@temporalio/workflow';
import type { HostInstance, RunbookMoveKind } from '../../activities/conductor/runbooks/runbook-moves';
import type { RunbookInstance } from '../../common/compute/runbooks';
import { conductor, conductorWaits } from '../conductor-activities';
import { type RunbookControl } from './runbook-control';

/** How long a move waits before it asks again for an instance another operation holds: doubling to 30 s. */
const busyBackoffMs = (attempt: number) => Math.min(30_000, 1_000 * 2 ** Math.min(attempt, 5));

/** How many times a drain lists its host for instances that arrived meanwhile (a move that was landing). */
const MAX_PASSES = 3;

export interface MovePlan {
  kind: RunbookMoveKind;
  /** Where they go; none: where the scheduler says. */
  toHost?: string;
}

/** A listed instance, with the request its move will be. */
function entryOf(instance: HostInstance, source: string): RunbookInstance {
  return {
    uuid: instance.uuid,
    name: instance.name,
    status: 'pending',
    source,
    request_id: `req-${uuid4()}`,
  };
}

/**
 * Moves one instance off its source: launched once, waited for; an instance another operation
 * holds is waited for up to busy_wait_seconds.
 */
async function moveOne(control: RunbookControl, entry: RunbookInstance, plan: MovePlan): Promise<void> {
  const fromHost = entry.source;
  const { input } = control;
  const deadline = Date.now() + input.parameters.busy_wait_seconds * 1000;
  entry.status = 'moving';
  for (let attempt = 0; ; attempt++) {
    const launch = await conductor.launchMove({
      runbookId: input.id,
      runbook: input.runbook,
      actor: input.actor,
      kind: plan.kind,
      instanceUuid: entry.uuid,
      fromHost,
      toHost: plan.toHost,
      requestId: entry.request_id,
    });
    if (launch.outcome === 'launched') {
      entry.workflow_id = launch.workflowId;
      const result = await conductorWaits.awaitMove({
        instanceUuid: entry.uuid,
        workflowId: launch.workflowId,
        fromHost,
      });
      entry.status = result.moved ? 'moved' : 'failed';
      // A move that failed leaves the instance where it was: it has no destination.
      if (result.moved && result.host) entry.destination = result.host;
      entry.reason = result.reason;
      return;
    }
    if (launch.outcome === 'busy' && Date.now() < deadline && !control.aborted) {
      entry.status = 'waiting';
      entry.reason = launch.reason;
      await control.pauseFor(busyBackoffMs(attempt));
      entry.status = 'moving';
      continue;
    }
    entry.status = 'skipped';
    entry.reason =
      launch.outcome === 'busy'
        ? `${launch.reason}, still after ${input.parameters.busy_wait_seconds} s`
        : launch.reason;
    return;
  }
}

/**
 * Moves `entries` in batches of `concurrency` (each batch approved first when approve_batches),
 * pausing and aborting between moves; what abort leaves unmoved is listed as skipped.
 */
async function moveInBatches(
  control: RunbookControl,
  entries: RunbookInstance[],
  plan: MovePlan,
): Promise<void> {
  const { concurrency, approve_batches: approveBatches } = control.input.parameters;
  const batches: (typeof entries)[] = [];
  for (let i = 0; i < entries.length; i += concurrency) batches.push(entries.slice(i, i + concurrency));
  const { batches: counts } = control.progress;
  counts.total += batches.length;
  for (const batch of batches) {
    const label = `batch ${counts.done + 1} of ${counts.total}`;
    control.step(approveBatches ? `waiting for approval of ${label}` : `moving ${label}`);
    const go = approveBatches ? await control.approval() : await control.mayProceed();
    if (!go) break;
    control.step(`moving ${label}`);
    await Promise.all(batch.map((entry) => moveOne(control, entry, plan)));
    counts.done++;
    await conductor.recordRunbookProgress({ id: control.input.id, progress: control.snapshot() });
  }
  for (const entry of entries) {
    if (entry.status !== 'pending') continue;
    entry.status = 'skipped';
    entry.reason = 'runbook aborted';
  }
}

/**
 * Moves every instance off the runbook's host, listing it again after each pass for instances
 * that arrived meanwhile. Each instance is tried once; those that stay are listed with the reason.
 */
export async function moveAllOff(control: RunbookControl, kind: RunbookMoveKind): Promise<void> {
  const { host } = control.input;
  const entries = control.progress.instances;
  for (let pass = 0; pass < MAX_PASSES && !control.aborted; pass++) {
    const known = new Set(entries.map((entry) => entry.uuid));
    const arrived = (await conductor.hostInstances(host)).filter((instance) => !known.has(instance.uuid));
    if (arrived.length === 0) break;
    const fresh = arrived.map((instance) => entryOf(instance, host));
    entries.push(...fresh);
    await moveInBatches(control, fresh, { kind });
  }
}

/** Live-migrates back to the host the instances a drain moved off it (host-maintenance's move_back). */
export async function moveBack(control: RunbookControl): Promise<void> {
  const returning = control.progress.instances
    .filter((entry) => entry.status === 'moved' && entry.destination)
    .map((entry) => entryOf(entry, entry.destination!));
  control.progress.returned = returning;
  await moveInBatches(control, returning, { kind: 'live_migrate', toHost: control.input.host });
}
