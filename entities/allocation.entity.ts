import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Placement's allocation: what a consumer (an instance) holds on a resource provider (a compute node). */
@Entity('allocations')
export class Allocation {
  @PrimaryColumn('uuid', { name: 'consumer_id' })
  consumerId!: string;

  @PrimaryColumn('integer', { name: 'compute_node_id' })
  computeNodeId!: number;

  @Column('integer')
  vcpus!: number;

  @Column('integer', { name: 'memory_mb' })
  memoryMb!: number;

  @Column('integer', { name: 'disk_gb' })
  diskGb!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
