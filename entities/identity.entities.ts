import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Keystone's entities; ids are Keystone-style 32-character hex strings ("default" for the default domain). */
@Entity('domains')
export class Domain {
  @PrimaryColumn('varchar', { length: 64 })
  id!: string;

  @Column('varchar', { length: 64 })
  name!: string;

  @Column('text', { default: '' })
  description!: string;

  @Column('boolean', { default: true })
  enabled!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

@Entity('projects')
export class Project {
  @PrimaryColumn('varchar', { length: 64 })
  id!: string;

  @Column('varchar', { length: 64 })
  name!: string;

  @Column('varchar', { name: 'domain_id', length: 64 })
  domainId!: string;

  @Column('text', { default: '' })
  description!: string;

  @Column('boolean', { default: true })
  enabled!: boolean;

  @Column('jsonb', { default: [] })
  tags!: string[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

@Entity('users')
export class User {
  @PrimaryColumn('varchar', { length: 64 })
  id!: string;

  @Column('varchar', { length: 255 })
  name!: string;

  @Column('varchar', { name: 'domain_id', length: 64 })
  domainId!: string;

  @Column('text', { name: 'password_hash', nullable: true, select: false })
  passwordHash!: string | null;

  @Column('boolean', { default: true })
  enabled!: boolean;

  @Column('varchar', { length: 255, nullable: true })
  email!: string | null;

  @Column('text', { nullable: true })
  description!: string | null;

  @Column('varchar', { name: 'default_project_id', length: 64, nullable: true })
  defaultProjectId!: string | null;

  /** Keystone's user option: failed logins never lock this user (a service user, say). */
  @Column('boolean', { name: 'ignore_lockout_failure_attempts', default: false })
  ignoreLockoutFailureAttempts!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

@Entity('roles')
export class Role {
  @PrimaryColumn('varchar', { length: 64 })
  id!: string;

  @Column('varchar', { length: 255 })
  name!: string;

  @Column('text', { nullable: true })
  description!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

@Entity('implied_roles')
export class ImpliedRole {
  @PrimaryColumn('varchar', { name: 'prior_role_id', length: 64 })
  priorRoleId!: string;

  @PrimaryColumn('varchar', { name: 'implied_role_id', length: 64 })
  impliedRoleId!: string;
}

export type AssignmentType = 'UserProject' | 'UserDomain';

@Entity('role_assignments')
export class RoleAssignment {
  @PrimaryColumn('varchar', { length: 16 })
  type!: AssignmentType;

  @PrimaryColumn('varchar', { name: 'actor_id', length: 64 })
  actorId!: string;

  @PrimaryColumn('varchar', { name: 'target_id', length: 64 })
  targetId!: string;

  @PrimaryColumn('varchar', { name: 'role_id', length: 64 })
  roleId!: string;
}

/** An issued token, known by the SHA-256 digest of its value only. */
@Entity('tokens')
export class TokenRecord {
  @PrimaryColumn('char', { length: 64 })
  digest!: string;

  @Column('varchar', { name: 'audit_id', length: 32 })
  auditId!: string;

  @Column('varchar', { name: 'user_id', length: 64 })
  userId!: string;

  @Column('varchar', { name: 'project_id', length: 64, nullable: true })
  projectId!: string | null;

  @Column('varchar', { name: 'domain_id', length: 64, nullable: true })
  domainId!: string | null;

  @Column('jsonb')
  methods!: string[];

  @Column('timestamptz', { name: 'issued_at' })
  issuedAt!: Date;

  @Column('timestamptz', { name: 'expires_at' })
  expiresAt!: Date;

  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt!: Date | null;
}
