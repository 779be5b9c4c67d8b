import { ComputeNode } from './compute-node.entity';
import { Service } from './service.entity';
import { Domain, ImpliedRole, Project, Role, RoleAssignment, TokenRecord, User } from './identity.entities';
import { Foundation1763900000000 } from './migrations/1763900000000-foundation';
import { Identity1763900000001 } from './migrations/1763900000001-identity';
import { Network1763900000003 } from './migrations/1763900000003-network';
import { IpAllocation, Network, Port, Subnet } from './network.entities';

export { ComputeNode, Service };
export { Domain, ImpliedRole, Project, Role, RoleAssignment, TokenRecord, User };
export type { AssignmentType } from './identity.entities';
export { IpAllocation, Network, Port, Subnet };
export type { AllocationPool, BindingProfile, HostRoute, PortStatus } from './network.entities';

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
  Network,
  Subnet,
  Port,
  IpAllocation,
];

/** Every migration, oldest first. */
export const MIGRATIONS = [Foundation1763900000000, Identity1763900000001, Network1763900000003];
