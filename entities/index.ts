import { ComputeNode } from './compute-node.entity';
import { Service } from './service.entity';
import { Foundation1763900000000 } from './migrations/1763900000000-foundation';

export { ComputeNode, Service };

/** Every entity, listed rather than globbed so that source and dist/ load alike. */
export const ENTITIES = [Service, ComputeNode];

/** Every migration, oldest first. */
export const MIGRATIONS = [Foundation1763900000000];
