import { Context } from '@temporalio/activity';

/** The running activity's context, or none outside an activity (a step called directly, start-up code). */
export function currentActivity(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}
