import type { RunbookInput, RunbookProgress } from '../../common/compute/runbooks';
import { conductor } from '../conductor-activities';
import { moveAllOff } from './instance-moves';
import { type RunbookControl } from './runbook-control';
import { runbookFailed, runRunbook } from './run-runbook';

/** What a drain did to the host's service, for whoever undoes it. */
export interface Drained {
  /** The drain disabled the service (it was enabled before): enabling it again is the runbook's. */
  disabledHere: boolean;
}

/** Enables again the host's service when this runbook disabled it. */
export async function enableHost(control: RunbookControl, drained: Drained): Promise<void> {
  if (!drained.disabledHere) return;
  control.step('enabling the compute service');
  await conductor.setHostDisabled({ host: control.input.host, disabled: false, reason: null });
}

/**
 * Disables the host's compute service (no new instances land there) and live-migrates every
 * instance off it, in batches. On abort, no more moves start, and the service is enabled again
 * unless the abort said not to.
 */
export async function drainHost(control: RunbookControl): Promise<Drained> {
  const { host, parameters } = control.input;
  control.step('disabling the compute service');
  const service = await conductor.hostService(host);
  if (!service.exists) throw runbookFailed(`Compute host ${host} could not be found.`);
  const drained = { disabledHere: !service.disabled };
  if (drained.disabledHere)
    await conductor.setHostDisabled({ host, disabled: true, reason: parameters.reason });
  await moveAllOff(control, 'live_migrate');
  if (control.aborted && control.enableHostOnAbort) await enableHost(control, drained);
  return drained;
}

/** The drain-host runbook: the host's service disabled and its instances live-migrated elsewhere. */
export async function drainHostWorkflow(input: RunbookInput): Promise<RunbookProgress> {
  return runRunbook(input, async (control) => {
    await drainHost(control);
  });
}
