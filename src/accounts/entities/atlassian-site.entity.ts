import {
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
  type Relation,
} from 'typeorm';
import { LinkedAccount } from './linked-account.entity.js';

/** An Atlassian cloud site (accessible resource) a linked account's grant covers. */
@Entity('atlassian_sites')
@Unique('UQ_atlassian_sites_account_cloud', ['linkedAccountId', 'cloudId'])
export class AtlassianSite {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'uuid' })
  linkedAccountId!: string;

  @ManyToOne(() => LinkedAccount, (account) => account.sites, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'linkedAccountId' })
  linkedAccount?: Relation<LinkedAccount>;

  /** The site's cloud id: the `{cloudId}` of `https://api.atlassian.com/ex/jira/{cloudId}/…`. */
  @Column({ type: 'varchar', length: 64 })
  cloudId!: string;

  /** e.g. `https://acme.atlassian.net`. */
  @Column({ type: 'varchar', length: 255 })
  url!: string;

  @Column({ type: 'varchar', length: 255 })
  name!: string;

  /** Scopes granted on this site. */
  @Column({ type: 'simple-json' })
  scopes!: string[];

  @Column({ type: 'text', nullable: true })
  avatarUrl!: string | null;

  @CreateDateColumn()
  createdAt!: Date;

  @UpdateDateColumn()
  updatedAt!: Date;
}
