import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn } from 'typeorm';

/** A Nova host aggregate: a named set of compute hosts with metadata (availability_zone among it). */
@Entity('aggregates')
export class Aggregate {
  /** Nova's integer aggregate id, the one the API's paths name. */
  @PrimaryGeneratedColumn('increment')
  id!: number;

  @Column('uuid', { unique: true })
  uuid!: string;

  @Column('varchar', { length: 255, unique: true })
  name!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** Set by the API when the name or metadata change, as Nova's aggregate.updated_at. */
  @Column('timestamptz', { name: 'updated_at', nullable: true })
  updatedAt!: Date | null;
}

/** A compute host (a service host name) in an aggregate. */
@Entity('aggregate_hosts')
export class AggregateHost {
  @PrimaryColumn('integer', { name: 'aggregate_id' })
  aggregateId!: number;

  @PrimaryColumn('varchar', { length: 255 })
  host!: string;
}

/** One metadata key of an aggregate. */
@Entity('aggregate_metadata')
export class AggregateMetadata {
  @PrimaryColumn('integer', { name: 'aggregate_id' })
  aggregateId!: number;

  @PrimaryColumn('varchar', { length: 255 })
  key!: string;

  @Column('varchar', { length: 255 })
  value!: string;
}
