import { hostActivities } from './host-activities';

export interface ConsoleOutputInput {
  instanceUuid: string;
  /** The instance's host, as the API read it: the log lives with the guest there. */
  host: string;
  /** The last `length` lines; -1 or none: the whole log. */
  length?: number;
}

/**
 * os-getConsoleOutput: one read of the guest's console log on its host. It takes no task (a
 * read changes nothing), and the API waits for it, so the host gets one short attempt: a host
 * that does not answer fails the request rather than holding it.
 */
export function consoleOutputWorkflow({
  instanceUuid,
  host,
  length,
}: ConsoleOutputInput): Promise<{ output: string }> {
  return hostActivities(host, {
    scheduleToStartTimeout: '10 seconds',
    startToCloseTimeout: '15 seconds',
    retry: { maximumAttempts: 1 },
  }).getConsoleOutput({ instanceUuid, length });
}
