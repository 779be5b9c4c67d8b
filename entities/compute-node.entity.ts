import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/**
 * A hypervisor and its inventory, as its compute host last reported it. The allocation ratios
 * and `generation` make it a placement resource provider: claims compare-and-swap the generation.
 */
@Entity('compute_nodes')
export class ComputeNode {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('uuid', { unique: true })
  uuid!: string;

  @Column('uuid', { name: 'service_id' })
  serviceId!: string;

  @Column('varchar', { length: 255 })
  host!: string;

  @Column('varchar', { name: 'hypervisor_hostname', length: 255 })
  hypervisorHostname!: string;

  @Column('varchar', { name: 'hypervisor_type', length: 255 })
  hypervisorType!: string;

  @Column('integer', { name: 'hypervisor_version' })
  hypervisorVersion!: number;

  @Column('varchar', { name: 'host_ip', length: 64 })
  hostIp!: string;

  @Column('varchar', { name: 'cpu_arch', length: 32 })
  cpuArch!: string;

  @Column('integer')
  vcpus!: number;

  @Column('integer', { name: 'memory_mb' })
  memoryMb!: number;

  @Column('integer', { name: 'local_gb' })
  localGb!: number;

  /** What the hypervisor says its guests use (Nova's *_used columns), not what placement allocated. */
  @Column('integer', { name: 'vcpus_used', default: 0 })
  vcpusUsed!: number;

  @Column('integer', { name: 'memory_mb_used', default: 0 })
  memoryMbUsed!: number;

  @Column('integer', { name: 'local_gb_used', default: 0 })
  localGbUsed!: number;

  @Column('integer', { name: 'running_vms', default: 0 })
  runningVms!: number;

  @Column('double precision', { name: 'cpu_allocation_ratio' })
  cpuAllocationRatio!: number;

  @Column('double precision', { name: 'ram_allocation_ratio' })
  ramAllocationRatio!: number;

  @Column('double precision', { name: 'disk_allocation_ratio' })
  diskAllocationRatio!: number;

  @Column('integer', { name: 'reserved_host_memory_mb', default: 0 })
  reservedHostMemoryMb!: number;

  @Column('integer', { name: 'reserved_host_disk_mb', default: 0 })
  reservedHostDiskMb!: number;

  @Column('integer', { name: 'reserved_host_cpus', default: 0 })
  reservedHostCpus!: number;

  /** Bumped by every claim and inventory change; a claim succeeds only on the generation it read. */
  @Column('integer', { default: 0 })
  generation!: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', nullable: true })
  updatedAt!: Date | null;
}
