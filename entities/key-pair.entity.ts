import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** An SSH public key of a user, by name. */
@Entity('key_pairs')
export class KeyPair {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column('varchar', { length: 255 })
  name!: string;

  @Column('varchar', { name: 'user_id', length: 255 })
  userId!: string;

  @Column('varchar', { length: 255 })
  fingerprint!: string;

  @Column('text', { name: 'public_key' })
  publicKey!: string;

  @Column('varchar', { length: 16, default: 'ssh' })
  type!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
