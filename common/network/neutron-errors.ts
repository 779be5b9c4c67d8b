import { ApiError } from '../../apps/api/common/api-error';

/**
 * Neutron's refusals, in neutron-lib's words and with its exception names as error types, so that
 * clients that match on either (openstacksdk, Nova itself) behave as with Neutron. ApiError is a
 * plain class: the conductor may raise these too.
 */
export const networkNotFound = (id: string) =>
  new ApiError('itemNotFound', `Network ${id} could not be found.`, 'NetworkNotFound');

export const subnetNotFound = (id: string) =>
  new ApiError('itemNotFound', `Subnet ${id} could not be found.`, 'SubnetNotFound');

export const portNotFound = (id: string) =>
  new ApiError('itemNotFound', `Port ${id} could not be found.`, 'PortNotFound');

export const invalidInput = (message: string) =>
  new ApiError('badRequest', `Invalid input for operation: ${message}.`, 'InvalidInput');

export const networkInUse = (id: string) =>
  new ApiError(
    'conflictingRequest',
    `Unable to complete operation on network ${id}. There are one or more ports still in use on the network.`,
    'NetworkInUse',
  );

export const subnetInUse = (id: string) =>
  new ApiError(
    'conflictingRequest',
    `Unable to complete operation on subnet ${id}: One or more ports have an IP allocation from this subnet.`,
    'SubnetInUse',
  );

export const ipAddressGenerationFailure = (networkId: string) =>
  new ApiError(
    'conflictingRequest',
    `No more IP addresses available on network ${networkId}.`,
    'IpAddressGenerationFailure',
  );

export const ipAddressAlreadyAllocated = (ip: string, subnetId: string) =>
  new ApiError(
    'conflictingRequest',
    `IP address ${ip} already allocated in subnet ${subnetId}`,
    'IpAddressAlreadyAllocated',
  );

export const invalidIpForSubnet = (ip: string) =>
  new ApiError(
    'badRequest',
    `IP address ${ip} is not a valid IP for the specified subnet.`,
    'InvalidIpForSubnet',
  );

export const invalidIpForNetwork = (ip: string) =>
  new ApiError(
    'badRequest',
    `IP address ${ip} is not a valid IP for any of the subnets on the specified network.`,
    'InvalidIpForNetwork',
  );

export const macAddressInUse = (networkId: string, mac: string) =>
  new ApiError(
    'conflictingRequest',
    `Unable to complete operation for network ${networkId}. The mac address ${mac} is in use.`,
    'MacAddressInUse',
  );

/** neutron-lib's OverQuota: the resources over their limit, as Python prints a sorted list. */
export const overQuota = (resources: string[]) =>
  new ApiError(
    'conflictingRequest',
    `Quota exceeded for resources: [${[...resources]
      .sort()
      .map((name) => `'${name}'`)
      .join(', ')}].`,
    'OverQuota',
  );
