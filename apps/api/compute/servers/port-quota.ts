import { type EntityManager } from 'typeorm';
import {
  networkQuotaLimits,
  networkQuotaUsage,
  newPortsPerInstance,
  type RequestedNetworks,
} from '../../../../common/network';
import { forbidden } from '../../common/api-error';

/**
 * Nova's validate_networks port check at create time: how many of `maxCount` instances the
 * project's free ports allow, or Nova's 403 (PortLimitExceeded) when even `minCount` do not fit.
 * Unlocked, as in Nova: the network service enforces the quota again when the ports are made,
 * and a boot that loses a race there ends in ERROR with its fault.
 */
export async function maxCountWithinPortQuota(
  db: EntityManager,
  projectId: string,
  requested: RequestedNetworks,
  counts: { minCount: number; maxCount: number },
): Promise<number> {
  const perInstance = newPortsPerInstance(requested);
  if (perInstance === 0) return counts.maxCount;
  const { port: limit } = await networkQuotaLimits(db, projectId);
  if (limit < 0) return counts.maxCount;
  const used = await networkQuotaUsage(db, projectId, 'port');
  const free = limit - used;
  if (free < 0) throw forbidden(`The number of defined ports: ${used} is over the limit: ${limit}`);
  const fitting = free >= perInstance * counts.maxCount ? counts.maxCount : Math.floor(free / perInstance);
  if (fitting < counts.minCount) throw forbidden('Maximum number of ports exceeded');
  return fitting;
}
