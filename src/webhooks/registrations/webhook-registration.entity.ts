import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  VersionColumn,
  type Relation,
} from 'typeorm';
import {
  LinkedAccount,
  type LinkedAccountProvider,
} from '../../accounts/entities/linked-account.entity.js';

/**
 * `active`: registered and delivering; `stopped`: kept alive no more because the account needs
 * consent again (`statusReason` says why); `failed`: the provider refused it or it could not be
 * renewed, and it is no longer renewed.
 */
export type WebhookRegistrationStatus = 'active' | 'stopped' | 'failed';

/**
 * One webhook registered at Jira (a dynamic webhook, for one linked account on one site) or at
 * Bitbucket (a hook on one repository or workspace), so that it can be renewed, listed, removed, and a
 * delivery traced back to the account and site it is about.
 */
@Entity('atlassian_webhook_registrations')
@Index('IDX_atlassian_webhook_registrations_account', ['linkedAccountId'])
@Index('IDX_atlassian_webhook_registrations_remote', ['provider', 'remoteId'])
@Index('IDX_atlassian_webhook_registrations_status_expiry', ['status', 'expiresAt'])
export class WebhookRegistration {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 32 })
  provider!: LinkedAccountProvider;

  /** The linked account whose grant registered it (and renews it). */
  @Column({ type: 'uuid' })
  linkedAccountId!: string;

  // A safety net only: removal goes through the service first, which also removes it remotely.
  @ManyToOne(() => LinkedAccount, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'linkedAccountId' })
  linkedAccount?: Relation<LinkedAccount>;

  /** Jira: the site's cloud id. Bitbucket: `workspace/repo_slug`, or `workspace` for a workspace hook. */
  @Column({ type: 'varchar', length: 255 })
  target!: string;

  /** The provider's id: Jira's `createdWebhookId` (as text), Bitbucket's hook `uuid` (with braces). */
  @Column({ type: 'varchar', length: 128 })
  remoteId!: string;

  /** The events it was registered for, as the provider names them. */
  @Column({ type: 'simple-json' })
  events!: string[];

  /** Jira: the JQL filter. */
  @Column({ type: 'text', nullable: true })
  jqlFilter!: string | null;

  /** Jira: `fieldIdsFilter` (for `jira:issue_updated`), or null. */
  @Column({ type: 'simple-json', nullable: true })
  fieldIdsFilter!: string[] | null;

  /** Bitbucket: the hook's secret, encrypted like a token (bound to this row); null for Jira. */
  @Column({ type: 'text', nullable: true, select: false })
  secretEncrypted!: string | null;

  /** Jira: when it expires unless renewed (the provider's `expirationDate`); null for Bitbucket. */
  @Column({ type: Date, nullable: true })
  expiresAt!: Date | null;

  /** Last successful renewal (or the registration itself). */
  @Column({ type: Date, nullable: true })
  lastRenewedAt!: Date | null;

  @Column({ type: 'varchar', length: 32, default: 'active' })
  status!: WebhookRegistrationStatus;

  /** Why it is `stopped` or `failed`: a short code, never a token. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  statusReason!: string | null;

  /** The instance renewing it now (lease id), or null. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  leaseOwner!: string | null;

  /** When that lease lapses, by the database's clock. */
  @Column({ type: Date, nullable: true })
  leaseExpiresAt!: Date | null;

  @VersionColumn()
  version!: number;

  @CreateDateColumn()
  createdAt!: Date;

  @UpdateDateColumn()
  updatedAt!: Date;
}
