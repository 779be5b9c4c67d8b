import { Column, CreateDateColumn, Entity, Generated, PrimaryColumn } from 'typeorm';

export type ServerGroupPolicy = 'affinity' | 'anti-affinity' | 'soft-affinity' | 'soft-anti-affinity';

@Entity('server_groups')
export class ServerGroup {
  @PrimaryColumn('uuid')
  uuid!: string;

  @Column('integer')
  @Generated('increment')
  id!: number;

  @Column('varchar', { length: 255 })
  name!: string;

  @Column('varchar', { name: 'project_id', length: 255 })
  projectId!: string;

  @Column('varchar', { name: 'user_id', length: 255 })
  userId!: string;

  @Column('varchar', { length: 255 })
  policy!: ServerGroupPolicy;

  /** e.g. `{"max_server_per_host": 2}` for anti-affinity (microversion 2.64). */
  @Column('jsonb', { default: {} })
  rules!: Record<string, number>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

@Entity('server_group_members')
export class ServerGroupMember {
  @PrimaryColumn('uuid', { name: 'group_uuid' })
  groupUuid!: string;

  @PrimaryColumn('uuid', { name: 'instance_uuid' })
  instanceUuid!: string;
}
