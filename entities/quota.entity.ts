import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A project's own limit for one resource, overriding the [quota] default. */
@Entity('quotas')
export class Quota {
  @PrimaryColumn('varchar', { name: 'project_id', length: 255 })
  projectId!: string;

  @PrimaryColumn('varchar', { length: 255 })
  resource!: string;

  @Column('integer', { name: 'hard_limit' })
  hardLimit!: number;
}
