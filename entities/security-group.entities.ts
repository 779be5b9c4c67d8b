import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { NeutronResource } from './network.entities';

export type RuleDirection = 'ingress' | 'egress';
export type EtherType = 'IPv4' | 'IPv6';

/** A Neutron security group: a named set of rules that ports are members of. */
@Entity('security_groups')
export class SecurityGroup extends NeutronResource {
  @Column('boolean', { default: true })
  stateful!: boolean;
}

/**
 * One rule of a group. Rules have Neutron's standard attributes but no name and no tags, so
 * they do not extend NeutronResource.
 */
@Entity('security_group_rules')
export class SecurityGroupRule {
  @PrimaryColumn('uuid')
  id!: string;

  @Column('uuid', { name: 'security_group_id' })
  securityGroupId!: string;

  @Column('varchar', { name: 'project_id', length: 64 })
  projectId!: string;

  @Column('varchar', { length: 255, default: '' })
  description!: string;

  @Column('varchar', { length: 16 })
  direction!: RuleDirection;

  @Column('varchar', { length: 8 })
  ethertype!: EtherType;

  /** A protocol name or number as the user gave it (lower case), or null for any. */
  @Column('varchar', { length: 40, nullable: true })
  protocol!: string | null;

  @Column('integer', { name: 'port_range_min', nullable: true })
  portRangeMin!: number | null;

  @Column('integer', { name: 'port_range_max', nullable: true })
  portRangeMax!: number | null;

  /** As the rule was given (Neutron keeps host bits: 10.2.3.124/24), not as a network. */
  @Column('varchar', { name: 'remote_ip_prefix', length: 255, nullable: true })
  remoteIpPrefix!: string | null;

  @Column('uuid', { name: 'remote_group_id', nullable: true })
  remoteGroupId!: string | null;

  @Column('integer', { name: 'revision_number', default: 0 })
  revisionNumber!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}

/** Neutron's default_security_group table: which group is a project's `default`. */
@Entity('default_security_groups')
export class DefaultSecurityGroup {
  @PrimaryColumn('varchar', { name: 'project_id', length: 64 })
  projectId!: string;

  @Column('uuid', { name: 'security_group_id' })
  securityGroupId!: string;
}

/** A port's membership of a group (Neutron's securitygroupportbindings). */
@Entity('security_group_port_bindings')
export class SecurityGroupPortBinding {
  @PrimaryColumn('uuid', { name: 'port_id' })
  portId!: string;

  @PrimaryColumn('uuid', { name: 'security_group_id' })
  securityGroupId!: string;
}
