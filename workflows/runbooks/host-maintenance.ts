import type { RunbookInput, RunbookProgress } from '../../common/compute/runbooks';
import { moveBack } from './instance-moves';
import { drainHost, enableHost } from './drain-host';
import { runRunbook } from './run-runbook';

/**
 * The host-maintenance runbook: drain the host, then wait while it is worked on (for
 * maintenance_seconds, a durable timer, or until an operator's approve), then enable its service
 * again and, with move_back, live-migrate the drained instances back. Abort during the
 * maintenance ends it there, the host enabled again unless the abort said not to.
 */
export async function hostMaintenanceWorkflow(input: RunbookInput): Promise<RunbookProgress> {
  return runRunbook(input, async (control) => {
    const drained = await drainHost(control);
    if (control.aborted) return;
    const seconds = input.parameters.maintenance_seconds;
    control.step(
      seconds > 0 ? `in maintenance for ${seconds} s, or until approved` : 'in maintenance until approved',
    );
    await control.approval('in-maintenance', seconds > 0 ? seconds * 1000 : undefined);
    if (control.aborted && !control.enableHostOnAbort) return;
    await enableHost(control, drained);
    if (control.aborted || !input.parameters.move_back) return;
    control.step('moving the instances back');
    await moveBack(control);
  });
}
