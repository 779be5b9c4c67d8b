/**
 * Neutron's default sharing rules as SQL over a networks alias, with the project in parameter
 * `:projectId` (TypeORM query builders):
 * - a project sees its own networks, shared ones and external ones;
 * - it may put ports on its own networks and shared ones.
 */
export const networkVisibleTo = (alias: string) =>
  `(${alias}.projectId = :projectId OR ${alias}.shared OR ${alias}.routerExternal)`;

export const networkUsableBy = (alias: string) => `(${alias}.projectId = :projectId OR ${alias}.shared)`;
