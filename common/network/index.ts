/** What the compute service uses of the network service: ports for instances and their addresses. */
export { instanceAddresses, type NovaAddress, type NovaAddresses } from './instance-addresses';
export {
  allocatePortsForInstance,
  bindInstancePorts,
  type InstancePort,
  instancePortsOf,
  type InstancePortsRequest,
  releaseInstancePorts,
} from './instance-ports';
export { networkQuotaLimits, networkQuotaUsage } from './network-quotas';
export {
  newPortsPerInstance,
  type RequestedNetwork,
  type RequestedNetworks,
  validateRequestedNetworks,
} from './requested-networks';
