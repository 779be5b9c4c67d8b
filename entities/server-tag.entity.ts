import { Entity, PrimaryColumn } from 'typeorm';

/** A server's tag (Nova's `tags` table): one row per tag, the pair unique as in Nova. */
@Entity('instance_tags')
export class InstanceTag {
  @PrimaryColumn('uuid', { name: 'instance_uuid' })
  instanceUuid!: string;

  @PrimaryColumn('varchar', { length: 60 })
  tag!: string;
}
