import { type HostState } from '../host-state';
import { type SchedulingRequest } from '../scheduling-request';

/** Nova's BaseHostFilter: one question asked of every candidate host. */
export interface HostFilter {
  readonly name: string;
  hostPasses(host: HostState, request: SchedulingRequest): boolean;
}
