import { type AuthContext } from '../../apps/api/common/auth/auth-context';
import { allowed, POLICIES, type PolicyAction } from '../../apps/api/common/policy';

const caller = (roles: string[], projectId = 'service-project'): AuthContext => ({
  userId: 'u',
  userName: 'nova',
  userDomainId: 'default',
  userDomainName: 'Default',
  projectId,
  projectDomainId: 'default',
  roles: roles.map((name) => ({ id: name, name })),
  auditId: 'a',
  methods: ['password'],
  issuedAt: new Date(),
  expiresAt: new Date(),
});

/** The `service` role of compute hosts: it reads an image (and its data) and nothing else. */
describe('the service role in policy', () => {
  const service = caller(['service']);
  const everyAction = Object.keys(POLICIES) as PolicyAction[];

  it('allows exactly the image reads, on any project, and nothing even on itself', () => {
    for (const target of [
      { projectId: 'another' },
      { projectId: 'service-project', userId: 'u', domainId: 'default' },
    ]) {
      const granted = everyAction.filter((action) => allowed(service, action, target));
      expect(granted.sort()).toEqual(['image:download_image', 'image:get_image']);
    }
  });

  it('gives admin and a project reader what they had', () => {
    const admin = caller(['admin', 'member', 'reader'], 'admin-project');
    expect(everyAction.filter((action) => !allowed(admin, action, { projectId: 'p' }))).toEqual([]);
    const reader = caller(['reader'], 'p');
    expect(allowed(reader, 'image:get_image', { projectId: 'p' })).toBe(true);
    expect(allowed(reader, 'os_compute_api:os-flavor-manage:index')).toBe(true);
    expect(allowed(reader, 'identity:create_user')).toBe(false);
    // An unscoped token (no roles) still lets a user change its own password, as in Keystone.
    expect(allowed(caller([], undefined), 'identity:change_password', { userId: 'u' })).toBe(true);
  });
});
