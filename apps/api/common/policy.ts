import { ApiError } from './api-error';
import { type AuthContext, hasRole, isAdmin } from './auth/auth-context';

/** What a rule may look at besides the caller: the project that owns the target, or the user it is. */
export interface PolicyTarget {
  projectId?: string;
  userId?: string;
  domainId?: string;
}

type Rule = (auth: AuthContext, target: PolicyTarget) => boolean;

const ADMIN: Rule = (auth) => isAdmin(auth);
const inProject = (auth: AuthContext, target: PolicyTarget) =>
  auth.projectId !== undefined && (target.projectId === undefined || target.projectId === auth.projectId);
const either =
  (...rules: Rule[]): Rule =>
  (auth, target) =>
    rules.some((rule) => rule(auth, target));

/** Nova's defaults: PROJECT_READER_OR_ADMIN and PROJECT_MEMBER_OR_ADMIN; reader may only read. */
const PROJECT_READER_OR_ADMIN = either(
  ADMIN,
  (auth, target) => hasRole(auth, 'reader') && inProject(auth, target),
);
const PROJECT_MEMBER_OR_ADMIN = either(
  ADMIN,
  (auth, target) => hasRole(auth, 'member') && inProject(auth, target),
);
/**
 * Nova's and Glance's `service_api` ("role:service"): a service user, on whatever project its token
 * is scoped to. Compute hosts hold it (the `nova` user), and it grants only the image reads below.
 */
const SERVICE: Rule = (auth) => hasRole(auth, 'service');
/**
 * A caller whose only role is `service`: a compute host's credential, which reads images and
 * nothing else, not even what any user may do on itself (its password is every host's).
 */
const serviceOnly = (auth: AuthContext) =>
  auth.roles.length > 0 && auth.roles.every((role) => role.name === 'service');
const notServiceOnly =
  (rule: Rule): Rule =>
  (auth, target) =>
    !serviceOnly(auth) && rule(auth, target);
/** Any authenticated caller with a role on its scope (Nova's "@" for e.g. listing flavors). */
const ANY_SCOPED: Rule = notServiceOnly((auth) => auth.roles.length > 0);
/** Keystone's "admin_required or owner": a user may read itself. */
const ADMIN_OR_SELF = either(
  ADMIN,
  notServiceOnly((auth, target) => target.userId === auth.userId),
);
const ADMIN_OR_PROJECT_READER = either(
  ADMIN,
  notServiceOnly((auth, target) => inProject(auth, target)),
);

/**
 * Every policy Novaflow enforces, in one table, under Nova's and Keystone's names so that an
 * operator reading a 403 knows which rule said no.
 */
export const POLICIES = {
  // Compute: admin only.
  'os_compute_api:os-services:list': ADMIN,
  'os_compute_api:os-services:update': ADMIN,
  'os_compute_api:os-services:delete': ADMIN,
  'os_compute_api:os-hypervisors:list': ADMIN,
  'os_compute_api:os-hypervisors:list-detail': ADMIN,
  'os_compute_api:os-hypervisors:show': ADMIN,
  'os_compute_api:os-hypervisors:uptime': ADMIN,
  'os_compute_api:os-hypervisors:search': ADMIN,
  'os_compute_api:os-hypervisors:servers': ADMIN,
  'os_compute_api:os-migrate-server:migrate': ADMIN,
  'os_compute_api:os-migrate-server:migrate_live': ADMIN,
  'os_compute_api:os-evacuate': ADMIN,
  'os_compute_api:os-migrations:index': ADMIN,
  'os_compute_api:servers:migrations:index': ADMIN,
  'os_compute_api:servers:migrations:show': ADMIN,
  'os_compute_api:servers:migrations:delete': ADMIN,
  'os_compute_api:servers:migrations:force_complete': ADMIN,
  'os_compute_api:os-flavor-manage:create': ADMIN,
  'os_compute_api:os-flavor-manage:update': ADMIN,
  'os_compute_api:os-flavor-manage:delete': ADMIN,
  'os_compute_api:os-flavor-access': ADMIN,
  'os_compute_api:os-flavor-access:add_tenant_access': ADMIN,
  'os_compute_api:os-flavor-access:remove_tenant_access': ADMIN,
  'os_compute_api:os-flavor-extra-specs:create': ADMIN,
  'os_compute_api:os-flavor-extra-specs:update': ADMIN,
  'os_compute_api:os-flavor-extra-specs:delete': ADMIN,
  'os_compute_api:os-quota-sets:update': ADMIN,
  'os_compute_api:os-quota-class-sets:show': ADMIN,
  'os_compute_api:os-quota-class-sets:update': ADMIN,
  'os_compute_api:os-quota-sets:delete': ADMIN,
  'os_compute_api:servers:index:get_all_tenants': ADMIN,
  'os_compute_api:servers:detail:get_all_tenants': ADMIN,
  'os_compute_api:servers:allow_all_filters': ADMIN,
  'os_compute_api:servers:create:forced_host': ADMIN,
  'os_compute_api:servers:show:host_status': ADMIN,
  'os_compute_api:os-extended-server-attributes': ADMIN,
  'os_compute_api:os-instance-actions:events': ADMIN,
  'os_compute_api:os-instance-actions:events:details': ADMIN,
  // Novaflow's own: the Temporal workflow that ran the action (id, run, Web UI address), for operators.
  'os_compute_api:os-instance-actions:workflow': ADMIN,
  // Novaflow's runbooks: operator procedures on a host.
  'os_compute_api:os-runbooks:list': ADMIN,
  'os_compute_api:os-runbooks:show': ADMIN,
  'os_compute_api:os-runbooks:create': ADMIN,
  'os_compute_api:os-runbooks:action': ADMIN,
  'os_compute_api:os-aggregates:index': ADMIN,
  'os_compute_api:os-aggregates:create': ADMIN,
  'os_compute_api:os-aggregates:show': ADMIN,
  'os_compute_api:os-aggregates:update': ADMIN,
  'os_compute_api:os-aggregates:delete': ADMIN,
  'os_compute_api:os-aggregates:add_host': ADMIN,
  'os_compute_api:os-aggregates:remove_host': ADMIN,
  'os_compute_api:os-aggregates:set_metadata': ADMIN,
  // Neutron's (and Cinder's) notifications; admin until a service role exists (Nova's default).
  'os_compute_api:os-server-external-events:create': ADMIN,
  'os_compute_api:limits:other_project': ADMIN,
  // Compute: everyone authenticated.
  'os_compute_api:os-flavor-manage:index': ANY_SCOPED,
  'os_compute_api:os-flavor-extra-specs:index': ANY_SCOPED,
  'os_compute_api:os-flavor-extra-specs:show': ANY_SCOPED,
  'os_compute_api:limits': ANY_SCOPED,
  'os_compute_api:os-availability-zone:list': ANY_SCOPED,
  'os_compute_api:extensions': ANY_SCOPED,
  // Key pairs are a user's: Nova's "admin or user_id:%(user_id)s".
  'os_compute_api:os-keypairs:index': ADMIN_OR_SELF,
  'os_compute_api:os-keypairs:show': ADMIN_OR_SELF,
  'os_compute_api:os-keypairs:create': ADMIN_OR_SELF,
  'os_compute_api:os-keypairs:delete': ADMIN_OR_SELF,
  // Compute: the owning project's readers and members, or admin.
  'os_compute_api:servers:index': PROJECT_READER_OR_ADMIN,
  'os_compute_api:servers:detail': PROJECT_READER_OR_ADMIN,
  'os_compute_api:servers:show': PROJECT_READER_OR_ADMIN,
  'os_compute_api:servers:create': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:servers:update': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:servers:delete': PROJECT_MEMBER_OR_ADMIN,
  // Server actions (POST /servers/{id}/action), under Nova's names and defaults.
  'os_compute_api:servers:start': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:servers:stop': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:servers:reboot': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:servers:resize': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:servers:confirm_resize': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:servers:revert_resize': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:servers:rebuild': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:os-pause-server:pause': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:os-pause-server:unpause': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:os-suspend-server:suspend': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:os-suspend-server:resume': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:os-lock-server:lock': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:os-lock-server:unlock': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:os-security-groups:add': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:os-security-groups:remove': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:os-attach-interfaces:list': PROJECT_READER_OR_ADMIN,
  'os_compute_api:os-attach-interfaces:show': PROJECT_READER_OR_ADMIN,
  // GET /servers/{id}/os-security-groups, at every microversion.
  'os_compute_api:os-security-groups:list': PROJECT_READER_OR_ADMIN,
  // The os-security-groups proxy (below 2.36), Nova's defaults.
  'os_compute_api:os-security-groups:get': PROJECT_READER_OR_ADMIN,
  'os_compute_api:os-security-groups:show': PROJECT_READER_OR_ADMIN,
  'os_compute_api:os-security-groups:create': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:os-security-groups:update': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:os-security-groups:delete': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:os-security-groups:rule:create': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:os-security-groups:rule:delete': PROJECT_MEMBER_OR_ADMIN,
  // Lifting a lock someone else set (an owner's lock by an admin, or an admin's by the owner).
  'os_compute_api:os-lock-server:unlock:unlock_override': ADMIN,
  'os_compute_api:os-admin-actions:reset_state': ADMIN,
  'os_compute_api:os-deferred-delete:restore': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:os-deferred-delete:force': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:os-console-output': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:ips:index': PROJECT_READER_OR_ADMIN,
  'os_compute_api:ips:show': PROJECT_READER_OR_ADMIN,
  'os_compute_api:server-metadata:index': PROJECT_READER_OR_ADMIN,
  'os_compute_api:server-metadata:show': PROJECT_READER_OR_ADMIN,
  'os_compute_api:server-metadata:create': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:server-metadata:update': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:server-metadata:update_all': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:server-metadata:delete': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:os-server-tags:index': PROJECT_READER_OR_ADMIN,
  'os_compute_api:os-server-tags:show': PROJECT_READER_OR_ADMIN,
  'os_compute_api:os-server-tags:update': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:os-server-tags:update_all': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:os-server-tags:delete': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:os-server-tags:delete_all': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:os-instance-actions:list': PROJECT_READER_OR_ADMIN,
  'os_compute_api:os-instance-actions:show': PROJECT_READER_OR_ADMIN,
  'os_compute_api:os-server-groups:index': PROJECT_READER_OR_ADMIN,
  'os_compute_api:os-server-groups:show': PROJECT_READER_OR_ADMIN,
  'os_compute_api:os-server-groups:create': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:os-server-groups:delete': PROJECT_MEMBER_OR_ADMIN,
  'os_compute_api:os-server-groups:index:all_projects': ADMIN,
  'os_compute_api:os-quota-sets:show': PROJECT_READER_OR_ADMIN,
  'os_compute_api:os-quota-sets:defaults': ANY_SCOPED,
  'os_compute_api:os-quota-sets:detail': PROJECT_READER_OR_ADMIN,
  // Image and network: the owner's readers read, members write; admin does anything.
  'image:get': PROJECT_READER_OR_ADMIN,
  // Glance's get_image and download_image: also the service role, which sees every image (a
  // compute host fetches the image of whatever project's server it boots).
  'image:get_image': either(PROJECT_READER_OR_ADMIN, SERVICE),
  'image:download_image': either(PROJECT_READER_OR_ADMIN, SERVICE),
  'image:write': PROJECT_MEMBER_OR_ADMIN,
  'image:publicize': ADMIN,
  // Glance's modify_member: only the member project (or admin) accepts or rejects a shared image.
  'image:modify_member': PROJECT_MEMBER_OR_ADMIN,
  'network:get': PROJECT_READER_OR_ADMIN,
  'network:write': PROJECT_MEMBER_OR_ADMIN,
  'network:admin': ADMIN,
  // Neutron's security groups: readers read, members write, within the owning project.
  'network:get_security_group': PROJECT_READER_OR_ADMIN,
  'network:write_security_group': PROJECT_MEMBER_OR_ADMIN,
  // Neutron's quotas: a project reads its own; only the admin reads another's, lists, sets or resets.
  'network:get_quota': ADMIN,
  'network:update_quota': ADMIN,
  'network:delete_quota': ADMIN,
  // Identity: Keystone's defaults (admin manages; a user may see itself and its projects).
  'identity:list_domains': ADMIN,
  'identity:get_domain': either(
    ADMIN,
    notServiceOnly((auth, target) => target.domainId === auth.projectDomainId),
  ),
  'identity:create_domain': ADMIN,
  'identity:update_domain': ADMIN,
  'identity:delete_domain': ADMIN,
  'identity:list_projects': ADMIN,
  'identity:get_project': ADMIN_OR_PROJECT_READER,
  'identity:create_project': ADMIN,
  'identity:update_project': ADMIN,
  'identity:delete_project': ADMIN,
  'identity:list_users': ADMIN,
  'identity:get_user': ADMIN_OR_SELF,
  'identity:list_user_projects': ADMIN_OR_SELF,
  'identity:change_password': ADMIN_OR_SELF,
  'identity:create_user': ADMIN,
  'identity:update_user': ADMIN,
  'identity:delete_user': ADMIN,
  'identity:list_roles': ADMIN,
  'identity:get_role': ADMIN,
  'identity:create_role': ADMIN,
  'identity:update_role': ADMIN,
  'identity:delete_role': ADMIN,
  'identity:list_role_assignments': ADMIN,
  'identity:check_grant': ADMIN,
  'identity:list_grants': ADMIN,
  'identity:create_grant': ADMIN,
  'identity:revoke_grant': ADMIN,
  'identity:list_services': ADMIN,
  'identity:list_endpoints': ADMIN,
  'identity:list_regions': ANY_SCOPED,
  'identity:validate_token': ANY_SCOPED,
} satisfies Record<string, Rule>;

export type PolicyAction = keyof typeof POLICIES;

/** Whether the caller may do `action` on `target`, without raising. */
export function allowed(auth: AuthContext, action: PolicyAction, target: PolicyTarget = {}): boolean {
  // Nova's rules all have scope_types ['project']: a domain-scoped (or unscoped) token fails every
  // one of them (oslo.policy's InvalidScope, which Nova answers as PolicyNotAuthorized), whatever
  // its roles; compute has no meaning without a project to boot in and count quota against.
  if (action.startsWith('os_compute_api:') && auth.projectId === undefined) return false;
  return POLICIES[action](auth, target);
}

/** Raises 403 in the words of the service owning `action` when the caller may not do it. */
export function enforce(auth: AuthContext, action: PolicyAction, target: PolicyTarget = {}): void {
  if (allowed(auth, action, target)) return;
  if (action.startsWith('network:')) {
    throw new ApiError('forbidden', `(rule:${action}) is disallowed by policy`, 'PolicyNotAuthorized');
  }
  const message = action.startsWith('identity:')
    ? `You are not authorized to perform the requested action: ${action}.`
    : `Policy doesn't allow ${action} to be performed.`;
  throw new ApiError('forbidden', message);
}
