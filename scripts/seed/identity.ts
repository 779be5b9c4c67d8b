import { type EntityManager } from 'typeorm';
import { hashPassword } from '../../apps/api/identity/password';
import { newKeystoneId } from '../../apps/api/identity/ids';

export interface SeedPasswords {
  admin: string;
  demo: string;
  service: string;
}

async function ensureRole(db: EntityManager, name: string): Promise<string> {
  await db.query('INSERT INTO roles (id, name) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [
    newKeystoneId(),
    name,
  ]);
  return (await db.query('SELECT id FROM roles WHERE name = $1', [name]))[0].id;
}

async function ensureProject(db: EntityManager, name: string, description: string): Promise<string> {
  await db.query(
    `INSERT INTO projects (id, name, domain_id, description) VALUES ($1, $2, 'default', $3)
     ON CONFLICT (domain_id, name) DO NOTHING`,
    [newKeystoneId(), name, description],
  );
  return (await db.query(`SELECT id FROM projects WHERE domain_id = 'default' AND name = $1`, [name]))[0].id;
}

/** Creates the user with its password on first start only; later starts keep what operators changed. */
async function ensureUser(
  db: EntityManager,
  name: string,
  password: string,
  projectId: string,
): Promise<string> {
  const existing = await db.query(`SELECT id FROM users WHERE domain_id = 'default' AND name = $1`, [name]);
  if (existing.length > 0) return existing[0].id;
  const id = newKeystoneId();
  await db.query(
    `INSERT INTO users (id, name, domain_id, password_hash, default_project_id) VALUES ($1, $2, 'default', $3, $4)`,
    [id, name, await hashPassword(password), projectId],
  );
  return id;
}

async function grant(db: EntityManager, userId: string, projectId: string, roleId: string): Promise<void> {
  await db.query(
    `INSERT INTO role_assignments (type, actor_id, target_id, role_id) VALUES ('UserProject', $1, $2, $3)
     ON CONFLICT DO NOTHING`,
    [userId, projectId, roleId],
  );
}

/**
 * Keystone's bootstrap plus devstack's users: domain `default`; roles admin → member → reader
 * (each implying the next) and service; projects admin, demo and service; users admin (admin on
 * admin), demo (member on demo) and nova (service on service, for compute hosts: it reads images
 * and nothing else, see policy.ts; every compute host holds its password).
 */
export async function seedIdentity(db: EntityManager, passwords: SeedPasswords): Promise<void> {
  await db.query(`INSERT INTO domains (id, name, description) VALUES ('default', 'Default', 'The default domain')
                  ON CONFLICT (id) DO NOTHING`);
  const [admin, member, reader, service] = [
    await ensureRole(db, 'admin'),
    await ensureRole(db, 'member'),
    await ensureRole(db, 'reader'),
    await ensureRole(db, 'service'),
  ];
  await db.query(
    `INSERT INTO implied_roles (prior_role_id, implied_role_id) VALUES ($1, $2), ($2, $3) ON CONFLICT DO NOTHING`,
    [admin, member, reader],
  );
  const adminProject = await ensureProject(db, 'admin', 'Bootstrap project for initializing the cloud.');
  const demoProject = await ensureProject(db, 'demo', 'Project of the demo user.');
  const serviceProject = await ensureProject(db, 'service', 'Project of the service users.');
  await grant(db, await ensureUser(db, 'admin', passwords.admin, adminProject), adminProject, admin);
  await grant(db, await ensureUser(db, 'demo', passwords.demo, demoProject), demoProject, member);
  const nova = await ensureUser(db, 'nova', passwords.service, serviceProject);
  await grant(db, nova, serviceProject, service);
  await exemptFromLockout(db, nova);
}

/**
 * Keystone's ignore_lockout_failure_attempts, as its docs advise for service users: anyone could
 * otherwise lock `nova` with a few wrong passwords and stop every compute host's image fetches
 * (the per-source limit still applies to it).
 */
async function exemptFromLockout(db: EntityManager, userId: string): Promise<void> {
  await db.query('UPDATE users SET ignore_lockout_failure_attempts = true WHERE id = $1', [userId]);
}

/**
 * Databases seeded before the `service` role was enough gave `nova` admin on `service` too, and
 * admin on any project is cloud admin: every compute host's password could create users. Runs
 * once per database (an admin an operator grants later stays), and exempts `nova` from lockout.
 */
export async function leastPrivilegeServiceUser(db: EntityManager): Promise<void> {
  const [nova]: { id: string }[] = await db.query(
    `SELECT id FROM users WHERE name = 'nova' AND domain_id = 'default'`,
  );
  if (nova) await exemptFromLockout(db, nova.id);
  await db.query(
    `DELETE FROM role_assignments ra USING users u, projects p, roles r
      WHERE ra.type = 'UserProject' AND ra.actor_id = u.id AND ra.target_id = p.id AND ra.role_id = r.id
        AND u.name = 'nova' AND u.domain_id = 'default' AND p.name = 'service' AND p.domain_id = 'default'
        AND r.name = 'admin'`,
  );
}
