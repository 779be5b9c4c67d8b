import { type Config } from '../../../../common/config';
import { type HostState } from '../host-state';
import { type SchedulingRequest } from '../scheduling-request';

/** Nova's BaseHostWeigher: a raw weight per host, normalized across hosts, times a multiplier. */
export interface HostWeigher {
  readonly name: string;
  multiplier(config: Config): number;
  weigh(host: HostState, request: SchedulingRequest): number;
}
