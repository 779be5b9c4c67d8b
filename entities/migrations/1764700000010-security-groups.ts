import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Neutron's security groups: groups, their rules, each project's default group and ports'
 * memberships. A membership holds its group (ON DELETE RESTRICT), so that a group in use cannot
 * be deleted even by a race; a rule naming a deleted remote group goes with it, as in Neutron.
 */
export class SecurityGroups1764700000010 implements MigrationInterface {
  name = 'SecurityGroups1764700000010';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE security_groups (
        id uuid PRIMARY KEY,
        name varchar(255) NOT NULL DEFAULT '',
        project_id varchar(64) NOT NULL,
        description varchar(255) NOT NULL DEFAULT '',
        stateful boolean NOT NULL DEFAULT true,
        tags jsonb NOT NULL DEFAULT '[]',
        revision_number integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    await q.query('CREATE INDEX idx_security_groups_project ON security_groups (project_id)');
    await q.query(`
      CREATE TABLE security_group_rules (
        id uuid PRIMARY KEY,
        security_group_id uuid NOT NULL REFERENCES security_groups(id) ON DELETE CASCADE,
        project_id varchar(64) NOT NULL,
        description varchar(255) NOT NULL DEFAULT '',
        direction varchar(16) NOT NULL CHECK (direction IN ('ingress', 'egress')),
        ethertype varchar(8) NOT NULL CHECK (ethertype IN ('IPv4', 'IPv6')),
        protocol varchar(40),
        port_range_min integer,
        port_range_max integer,
        remote_ip_prefix cidr,
        remote_group_id uuid REFERENCES security_groups(id) ON DELETE CASCADE,
        revision_number integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    // Two rules that differ only in description are one rule twice: Neutron's SecurityGroupRuleExists.
    // A prefix of every address is no prefix.
    await q.query(`
      CREATE UNIQUE INDEX uniq_security_group_rules ON security_group_rules (
        security_group_id, direction, ethertype, COALESCE(protocol, ''),
        COALESCE(port_range_min, -1), COALESCE(port_range_max, -1),
        COALESCE(NULLIF(NULLIF(remote_ip_prefix::text, '0.0.0.0/0'), '::/0'), ''),
        COALESCE(remote_group_id::text, ''))`);
    await q.query('CREATE INDEX idx_security_group_rules_remote ON security_group_rules (remote_group_id)');
    await q.query(`
      CREATE TABLE default_security_groups (
        project_id varchar(64) PRIMARY KEY,
        security_group_id uuid NOT NULL UNIQUE REFERENCES security_groups(id) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE TABLE security_group_port_bindings (
        port_id uuid NOT NULL REFERENCES ports(id) ON DELETE CASCADE,
        security_group_id uuid NOT NULL REFERENCES security_groups(id) ON DELETE RESTRICT,
        PRIMARY KEY (port_id, security_group_id)
      )`);
    await q.query(
      'CREATE INDEX idx_security_group_port_bindings_group ON security_group_port_bindings (security_group_id)',
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'security_group_port_bindings',
      'default_security_groups',
      'security_group_rules',
      'security_groups',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
  }
}
