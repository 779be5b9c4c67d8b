import { ApiError } from '../../apps/api/common/api-error';

/** Neutron's security-group refusals, in its words and with its exception names (see neutron-errors.ts). */
export const securityGroupNotFound = (id: string) =>
  new ApiError('itemNotFound', `Security group ${id} does not exist`, 'SecurityGroupNotFound');

export const securityGroupRuleNotFound = (id: string) =>
  new ApiError('itemNotFound', `Security group rule ${id} does not exist`, 'SecurityGroupRuleNotFound');

export const securityGroupInUse = (id: string) =>
  new ApiError('conflictingRequest', `Security Group ${id} in use.`, 'SecurityGroupInUse');

export const cannotRemoveDefault = () =>
  new ApiError(
    'conflictingRequest',
    'Insufficient rights for removing default security group.',
    'SecurityGroupCannotRemoveDefault',
  );

export const cannotUpdateDefault = () =>
  new ApiError(
    'conflictingRequest',
    'Updating default security group not allowed.',
    'SecurityGroupCannotUpdateDefault',
  );

export const defaultAlreadyExists = () =>
  new ApiError(
    'conflictingRequest',
    'Default security group already exists.',
    'SecurityGroupDefaultAlreadyExists',
  );

export const ruleExists = (ruleId: string) =>
  new ApiError(
    'conflictingRequest',
    `Security group rule already exists. Rule id is ${ruleId}.`,
    'SecurityGroupRuleExists',
  );

export const ruleBadRequest = (message: string, type: string) => new ApiError('badRequest', message, type);
