import type { RunbookInput, RunbookProgress } from '../../common/compute/runbooks';
import { conductor } from '../conductor-activities';
import { moveAllOff } from './instance-moves';
import { runbookFailed, runRunbook } from './run-runbook';

/**
 * The evacuate-host runbook: the host must be down (its service stopped reporting) or, with
 * force_down, is forced down (the operator fenced it); then every instance is evacuated, rebuilt
 * on another host, in batches, each instance's result listed.
 */
export async function evacuateHostWorkflow(input: RunbookInput): Promise<RunbookProgress> {
  return runRunbook(input, async (control) => {
    const { host, parameters } = input;
    control.step('confirming the host is down');
    const service = await conductor.hostService(host);
    if (!service.exists) throw runbookFailed(`Compute host ${host} could not be found.`);
    if (service.up) {
      if (!parameters.force_down)
        throw runbookFailed(`Compute service of ${host} is still in use: force_down forces it down.`);
      control.step('forcing the compute service down');
      await conductor.setHostForcedDown({ host, forcedDown: true });
    }
    await moveAllOff(control, 'evacuate');
  });
}
