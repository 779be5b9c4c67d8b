import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  OneToMany,
  PrimaryColumn,
  PrimaryGeneratedColumn,
} from 'typeorm';

/** A Nova flavor; `flavorid` is the id the API shows, `id` the internal key. */
@Entity('flavors')
export class Flavor {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('varchar', { length: 255 })
  flavorid!: string;

  @Column('varchar', { length: 255 })
  name!: string;

  @Column('integer', { name: 'memory_mb' })
  memoryMb!: number;

  @Column('integer')
  vcpus!: number;

  @Column('integer', { name: 'root_gb' })
  rootGb!: number;

  @Column('integer', { name: 'ephemeral_gb', default: 0 })
  ephemeralGb!: number;

  @Column('integer', { default: 0 })
  swap!: number;

  @Column('double precision', { name: 'rxtx_factor', default: 1 })
  rxtxFactor!: number;

  @Column('boolean', { default: false })
  disabled!: boolean;

  @Column('boolean', { name: 'is_public', default: true })
  isPublic!: boolean;

  @Column('text', { nullable: true })
  description!: string | null;

  @OneToMany(() => FlavorExtraSpec, (spec) => spec.flavor, { cascade: true })
  extraSpecs!: FlavorExtraSpec[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}

@Entity('flavor_extra_specs')
export class FlavorExtraSpec {
  @PrimaryColumn('integer', { name: 'flavor_id' })
  flavorId!: number;

  @PrimaryColumn('varchar', { length: 255 })
  key!: string;

  @Column('varchar', { length: 255 })
  value!: string;

  @ManyToOne(() => Flavor, (flavor) => flavor.extraSpecs, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'flavor_id' })
  flavor!: Flavor;
}

/** Which projects may use a private flavor. */
@Entity('flavor_projects')
export class FlavorProject {
  @PrimaryColumn('integer', { name: 'flavor_id' })
  flavorId!: number;

  @PrimaryColumn('varchar', { name: 'project_id', length: 255 })
  projectId!: string;
}
