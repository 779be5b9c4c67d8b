import { type quotaOverages } from '../../../../common/compute/quotas';
import { type ApiError, forbidden } from '../../common/api-error';

/** Nova's quota message, e.g. "Quota exceeded for instances: Requested 1, but already used 10 of 10 instances". */
export function quotaExceeded(overs: ReturnType<typeof quotaOverages>): ApiError {
  const names = overs.map((over) => over.resource).join(', ');
  const [first] = overs;
  return forbidden(
    `Quota exceeded for ${names}: Requested ${first.requested}, but already used ${first.used} of ${first.allowed} ${names}`,
  );
}
