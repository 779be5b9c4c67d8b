import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A runbook an operator started (os-runbooks); its id is its workflow's id. */
@Entity('runbooks')
export class Runbook {
  @PrimaryColumn('varchar', { length: 255 })
  id!: string;

  /** drain-host, evacuate-host or host-maintenance. */
  @Column('varchar', { length: 64 })
  runbook!: string;

  @Column('varchar', { length: 255 })
  host!: string;

  @Column('jsonb')
  parameters!: Record<string, unknown>;

  /** running, then completed, aborted or failed (or the workflow's own end when it was terminated). */
  @Column('varchar', { length: 32 })
  status!: string;

  /** The progress when it ended; while it runs, its workflow's query answers. */
  @Column('jsonb', { nullable: true })
  progress!: Record<string, unknown> | null;

  @Column('varchar', { name: 'user_id', length: 255 })
  userId!: string;

  @Column('varchar', { name: 'project_id', length: 255 })
  projectId!: string;

  @Column('varchar', { name: 'request_id', length: 255 })
  requestId!: string;

  @Column('timestamptz', { name: 'created_at' })
  createdAt!: Date;

  @Column('timestamptz', { name: 'updated_at', nullable: true })
  updatedAt!: Date | null;

  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt!: Date | null;
}
