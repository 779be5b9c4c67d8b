import { ComputeNode } from './compute-node.entity';
import { Service } from './service.entity';
import { Domain, ImpliedRole, Project, Role, RoleAssignment, TokenRecord, User } from './identity.entities';
import { Image, ImageMember } from './image.entities';
import { Foundation1763900000000 } from './migrations/1763900000000-foundation';
import { Identity1763900000001 } from './migrations/1763900000001-identity';
import { Image1763900000002 } from './migrations/1763900000002-image';

export { ComputeNode, Service };
export { Domain, ImpliedRole, Project, Role, RoleAssignment, TokenRecord, User };
export type { AssignmentType } from './identity.entities';
export * from './image.entities';

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
];

/** Every migration, oldest first. */
export const MIGRATIONS = [Foundation1763900000000, Identity1763900000001, Image1763900000002];
