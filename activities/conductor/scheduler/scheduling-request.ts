import { type ServerGroupPolicy } from '../../../entities';
import { type Resources } from './host-state';

/** Nova's RequestSpec as the filters and weighers read it. */
export interface SchedulingRequest {
  instanceUuid: string;
  /** The instance's project, for AggregateMultiTenancyIsolation. */
  projectId?: string;
  /** The flavor's extra specs, for AggregateInstanceExtraSpecsFilter. */
  flavorExtraSpecs?: Record<string, string>;
  resources: Resources;
  availabilityZone?: string;
  imageProperties: Record<string, string>;
  /** A server group the instance belongs to, with the hosts its other members are on. */
  group?: { uuid: string; policy: ServerGroupPolicy; maxServerPerHost?: number; memberHosts: string[] };
  /** Hosts of the instances named by the same_host and different_host hints. */
  sameHost: string[];
  differentHost: string[];
}
