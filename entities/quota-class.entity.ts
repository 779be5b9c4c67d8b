import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A quota class's limit for one resource; the 'default' class overrides the [quota] options. */
@Entity('quota_classes')
export class QuotaClass {
  @PrimaryColumn('varchar', { name: 'class_name', length: 255 })
  className!: string;

  @PrimaryColumn('varchar', { length: 255 })
  resource!: string;

  @Column('integer', { name: 'hard_limit' })
  hardLimit!: number;
}
