import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { type FlavorSnapshot } from './instance.entities';

/**
 * One move of an instance (Nova's Migration): a resize, a cold or live migration, or an
 * evacuation, from its source to its destination. While it runs, its uuid is the consumer of the
 * source's claim; the instance holds the destination's.
 */
@Entity('instance_migrations')
export class InstanceMigration {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('uuid', { unique: true })
  uuid!: string;

  @Column('uuid', { name: 'instance_uuid' })
  instanceUuid!: string;

  @Column('varchar', { name: 'migration_type', length: 32 })
  migrationType!: string;

  @Column('varchar', { length: 32 })
  status!: string;

  @Column('varchar', { name: 'source_compute', length: 255, nullable: true })
  sourceCompute!: string | null;

  @Column('varchar', { name: 'source_node', length: 255, nullable: true })
  sourceNode!: string | null;

  @Column('varchar', { name: 'dest_compute', length: 255, nullable: true })
  destCompute!: string | null;

  @Column('varchar', { name: 'dest_node', length: 255, nullable: true })
  destNode!: string | null;

  @Column('varchar', { name: 'dest_host', length: 255, nullable: true })
  destHost!: string | null;

  @Column('integer', { name: 'old_instance_type_id', nullable: true })
  oldInstanceTypeId!: number | null;

  @Column('integer', { name: 'new_instance_type_id', nullable: true })
  newInstanceTypeId!: number | null;

  @Column('jsonb', { name: 'old_flavor' })
  oldFlavor!: FlavorSnapshot;

  @Column('jsonb', { name: 'new_flavor' })
  newFlavor!: FlavorSnapshot;

  @Column('bigint', { name: 'memory_total', nullable: true })
  memoryTotal!: string | null;

  @Column('bigint', { name: 'memory_processed', nullable: true })
  memoryProcessed!: string | null;

  @Column('bigint', { name: 'memory_remaining', nullable: true })
  memoryRemaining!: string | null;

  @Column('bigint', { name: 'disk_total', nullable: true })
  diskTotal!: string | null;

  @Column('bigint', { name: 'disk_processed', nullable: true })
  diskProcessed!: string | null;

  @Column('bigint', { name: 'disk_remaining', nullable: true })
  diskRemaining!: string | null;

  @Column('varchar', { name: 'user_id', length: 255 })
  userId!: string;

  @Column('varchar', { name: 'project_id', length: 255 })
  projectId!: string;

  /** The workflow that runs the move (the instance's task while it moves). */
  @Column('varchar', { name: 'workflow_id', length: 512 })
  workflowId!: string;

  @Column('boolean', { default: false })
  hidden!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at', nullable: true })
  updatedAt!: Date | null;

  @Column('timestamptz', { name: 'deleted_at', nullable: true })
  deletedAt!: Date | null;
}
