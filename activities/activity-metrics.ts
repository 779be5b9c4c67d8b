import { Context } from '@temporalio/activity';
import { type MetricMeter } from '@temporalio/common';

/**
 * The Temporal SDK's meter of the running activity: what an activity records goes out with the
 * worker's own metrics (its Prometheus endpoint). Outside an activity (a step called directly,
 * as the idempotence tests do) there is none, and nothing is recorded.
 */
export function activityMeter(): MetricMeter | undefined {
  try {
    return Context.current().metricMeter;
  } catch {
    return undefined;
  }
}
