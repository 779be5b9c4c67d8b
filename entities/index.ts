import { ComputeNode } from './compute-node.entity';
import { Service } from './service.entity';
import { Domain, ImpliedRole, Project, Role, RoleAssignment, TokenRecord, User } from './identity.entities';
import { Aggregate, AggregateHost, AggregateMetadata } from './aggregate.entities';
import { Allocation } from './allocation.entity';
import { Flavor, FlavorExtraSpec, FlavorProject } from './flavor.entities';
import { Image, ImageMember } from './image.entities';
import {
  Instance,
  InstanceAction,
  InstanceActionEvent,
  InstanceFault,
  InstanceMetadata,
} from './instance.entities';
import { InstanceMigration } from './instance-migration.entity';
import { KeyPair } from './key-pair.entity';
import { Quota } from './quota.entity';
import { QuotaClass } from './quota-class.entity';
import { ServerGroup, ServerGroupMember } from './server-group.entities';
import { InstanceTag } from './server-tag.entity';
import { Foundation1763900000000 } from './migrations/1763900000000-foundation';
import { Identity1763900000001 } from './migrations/1763900000001-identity';
import { Image1763900000002 } from './migrations/1763900000002-image';
import { Network1763900000003 } from './migrations/1763900000003-network';
import { Compute1763900000004 } from './migrations/1763900000004-compute';
import { SeedLog1763900000005 } from './migrations/1763900000005-seed-log';
import { OperationEngine1764600000006 } from './migrations/1764600000006-operation-engine';
import { QuotaClasses1764700000007 } from './migrations/1764700000007-quota-classes';
import { ServiceIds1764700000008 } from './migrations/1764700000008-service-ids';
import { Aggregates1764700000009 } from './migrations/1764700000009-aggregates';
import { SecurityGroups1764700000010 } from './migrations/1764700000010-security-groups';
import { ServerTags1764700000011 } from './migrations/1764700000011-server-tags';
import { NetworkQuotas1764700000012 } from './migrations/1764700000012-network-quotas';
import { InstanceMigrations1764800000013 } from './migrations/1764800000013-instance-migrations';
import { RulePrefixAsGiven1764900000014 } from './migrations/1764900000014-rule-prefix-as-given';
import { Operations1765000000015 } from './migrations/1765000000015-operations';
import { AddressQuarantine1765100000016 } from './migrations/1765100000016-address-quarantine';
import { LoginThrottling1765200000016 } from './migrations/1765200000016-login-throttling';
import { ImageUploadLease1765200000017 } from './migrations/1765200000017-image-upload-lease';
import { PortInstanceBinding1765300000018 } from './migrations/1765300000018-port-instance-binding';
import { NodeUsage1765600000021 } from './migrations/1765600000021-node-usage';
import { Runbook } from './runbook.entity';
import { IpAllocation, Network, Port, Subnet } from './network.entities';
import {
  DefaultSecurityGroup,
  SecurityGroup,
  SecurityGroupPortBinding,
  SecurityGroupRule,
} from './security-group.entities';

export { ComputeNode, Service };
export { Aggregate, AggregateHost, AggregateMetadata };
export { Domain, ImpliedRole, Project, Role, RoleAssignment, TokenRecord, User };
export type { AssignmentType } from './identity.entities';
export {
  Allocation,
  Flavor,
  FlavorExtraSpec,
  FlavorProject,
  KeyPair,
  Quota,
  QuotaClass,
  ServerGroup,
  ServerGroupMember,
};
export { Instance, InstanceAction, InstanceActionEvent, InstanceFault, InstanceMetadata, InstanceTag };
export { InstanceMigration, Runbook };
export type { FlavorSnapshot, RequestedNetwork, RequestSpec } from './instance.entities';
export type { ServerGroupPolicy } from './server-group.entities';
export * from './image.entities';
export { IpAllocation, Network, Port, Subnet };
export type { AllocationPool, BindingProfile, HostRoute, PortStatus } from './network.entities';
export { DefaultSecurityGroup, SecurityGroup, SecurityGroupPortBinding, SecurityGroupRule };
export type { EtherType, RuleDirection } from './security-group.entities';

/** Every entity, listed rather than globbed so that source and dist/ load alike. */
export const ENTITIES = [
  Service,
  ComputeNode,
  Domain,
  Project,
  User,
  Role,
  ImpliedRole,
  RoleAssignment,
  TokenRecord,
  Image,
  ImageMember,
  Flavor,
  FlavorExtraSpec,
  FlavorProject,
  Quota,
  QuotaClass,
  KeyPair,
  Instance,
  InstanceMetadata,
  InstanceTag,
  InstanceFault,
  InstanceAction,
  InstanceActionEvent,
  InstanceMigration,
  Runbook,
  ServerGroup,
  ServerGroupMember,
  Allocation,
  Network,
  Subnet,
  Port,
  IpAllocation,
  SecurityGroup,
  SecurityGroupRule,
  DefaultSecurityGroup,
  SecurityGroupPortBinding,
  Aggregate,
  AggregateHost,
  AggregateMetadata,
];

/** Every migration, oldest first. */
export const MIGRATIONS = [
  Foundation1763900000000,
  Identity1763900000001,
  Image1763900000002,
  Network1763900000003,
  Compute1763900000004,
  SeedLog1763900000005,
  OperationEngine1764600000006,
  QuotaClasses1764700000007,
  ServiceIds1764700000008,
  Aggregates1764700000009,
  SecurityGroups1764700000010,
  ServerTags1764700000011,
  NetworkQuotas1764700000012,
  InstanceMigrations1764800000013,
  RulePrefixAsGiven1764900000014,
  Operations1765000000015,
  AddressQuarantine1765100000016,
  LoginThrottling1765200000016,
  ImageUploadLease1765200000017,
  PortInstanceBinding1765300000018,
  NodeUsage1765600000021,
];
