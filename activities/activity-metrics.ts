import { type MetricMeter } from '@temporalio/common';
import { currentActivity } from '../common/activity-context';

/**
 * The Temporal SDK's meter of the running activity: what an activity records goes out with the
 * worker's own metrics (its Prometheus endpoint). Outside an activity (a step called directly,
 * as the idempotence tests do) there is none, and nothing is recorded.
 */
export function activityMeter(): MetricMeter | undefined {
  return currentActivity()?.metricMeter;
}
