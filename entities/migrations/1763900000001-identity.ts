import { type MigrationInterface, type QueryRunner } from 'typeorm';

/** Keystone's subset: domains, projects, users, roles, role assignments and tokens. */
export class Identity1763900000001 implements MigrationInterface {
  name = 'Identity1763900000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE domains (
        id varchar(64) PRIMARY KEY,
        name varchar(64) NOT NULL UNIQUE,
        description text NOT NULL DEFAULT '',
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE projects (
        id varchar(64) PRIMARY KEY,
        name varchar(64) NOT NULL,
        domain_id varchar(64) NOT NULL REFERENCES domains(id),
        description text NOT NULL DEFAULT '',
        enabled boolean NOT NULL DEFAULT true,
        tags jsonb NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uniq_projects_domain_name UNIQUE (domain_id, name)
      )`);
    await q.query(`
      CREATE TABLE users (
        id varchar(64) PRIMARY KEY,
        name varchar(255) NOT NULL,
        domain_id varchar(64) NOT NULL REFERENCES domains(id),
        password_hash text,
        enabled boolean NOT NULL DEFAULT true,
        email varchar(255),
        description text,
        default_project_id varchar(64),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT uniq_users_domain_name UNIQUE (domain_id, name)
      )`);
    await q.query(`
      CREATE TABLE roles (
        id varchar(64) PRIMARY KEY,
        name varchar(255) NOT NULL UNIQUE,
        description text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    // Keystone's implied roles: a token with admin also carries member and reader.
    await q.query(`
      CREATE TABLE implied_roles (
        prior_role_id varchar(64) NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
        implied_role_id varchar(64) NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
        PRIMARY KEY (prior_role_id, implied_role_id)
      )`);
    await q.query(`
      CREATE TABLE role_assignments (
        type varchar(16) NOT NULL CHECK (type IN ('UserProject', 'UserDomain')),
        actor_id varchar(64) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        target_id varchar(64) NOT NULL,
        role_id varchar(64) NOT NULL REFERENCES roles(id) ON DELETE CASCADE,
        PRIMARY KEY (type, actor_id, target_id, role_id)
      )`);
    await q.query('CREATE INDEX idx_role_assignments_target ON role_assignments (target_id)');
    // Only a digest of each token is stored: a database dump yields no usable token.
    await q.query(`
      CREATE TABLE tokens (
        digest char(64) PRIMARY KEY,
        audit_id varchar(32) NOT NULL,
        user_id varchar(64) NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        project_id varchar(64) REFERENCES projects(id) ON DELETE CASCADE,
        domain_id varchar(64) REFERENCES domains(id) ON DELETE CASCADE,
        methods jsonb NOT NULL,
        issued_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz
      )`);
    await q.query('CREATE INDEX idx_tokens_expires_at ON tokens (expires_at)');
    await q.query('CREATE INDEX idx_tokens_user ON tokens (user_id)');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'tokens',
      'role_assignments',
      'implied_roles',
      'roles',
      'users',
      'projects',
      'domains',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
