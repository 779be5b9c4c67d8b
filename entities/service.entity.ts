import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** A Nova service: one row per (host, binary), e.g. ("compute1", "nova-compute"). */
@Entity('services')
export class Service {
  @PrimaryColumn('uuid')
  id!: string;

  /** Nova's integer services.id, the id below microversion 2.53; the database numbers it. */
  @Column({ type: 'integer', name: 'serial_id', insert: false, update: false, unique: true })
  serialId!: number;

  @Column('varchar', { length: 255 })
  host!: string;

  @Column('varchar', { length: 255 })
  binary!: string;

  @Column('varchar', { length: 255 })
  topic!: string;

  /** Availability zone of a compute service; "internal" for the others. */
  @Column('varchar', { length: 255 })
  zone!: string;

  @Column('integer', { name: 'report_count', default: 0 })
  reportCount!: number;

  @Column('boolean', { default: false })
  disabled!: boolean;

  @Column('varchar', { name: 'disabled_reason', length: 255, nullable: true })
  disabledReason!: string | null;

  @Column('boolean', { name: 'forced_down', default: false })
  forcedDown!: boolean;

  /** Time of the last report; the service is up while this is younger than service_down_time. */
  @Column('timestamptz', { name: 'last_seen_up', nullable: true })
  lastSeenUp!: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz', nullable: true })
  updatedAt!: Date | null;
}
