import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  OneToMany,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
  VersionColumn,
  type Relation,
} from 'typeorm';
import type { AtlassianProfile } from '../../providers/atlassian-profile.js';
import type { BitbucketProfile } from '../../providers/bitbucket-profile.js';
import { AtlassianSite } from './atlassian-site.entity.js';

/** `atlassian` or `bitbucket`. */
export type LinkedAccountProvider = 'atlassian' | 'bitbucket';

/**
 * `active`; `reauth_required` after the provider refused the refresh token; `revoked` when unlinked by the
 * provider; `closed` when Atlassian reported the account closed (personal data erased, tokens forgotten).
 */
export type LinkedAccountStatus = 'active' | 'reauth_required' | 'revoked' | 'closed';

/**
 * One provider account linked to one app user, with its tokens encrypted (never plain text).
 * A provider account belongs to one app user at a time: unique on (provider, providerAccountId).
 */
@Entity('atlassian_linked_accounts')
@Unique('UQ_atlassian_linked_accounts_provider_account', ['provider', 'providerAccountId'])
@Index('IDX_atlassian_linked_accounts_user', ['userId'])
@Index('IDX_atlassian_linked_accounts_status_expiry', ['status', 'accessTokenExpiresAt'])
@Index('IDX_atlassian_linked_accounts_status_refreshed', ['status', 'lastRefreshedAt'])
@Index('IDX_atlassian_linked_accounts_status_consented', ['status', 'consentedAt'])
export class LinkedAccount {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** The host app's user id. */
  @Column({ type: 'varchar', length: 255 })
  userId!: string;

  @Column({ type: 'varchar', length: 32 })
  provider!: LinkedAccountProvider;

  /** Atlassian account id (Bitbucket reports the same id for the same person). */
  @Column({ type: 'varchar', length: 128 })
  providerAccountId!: string;

  @Column({ type: 'varchar', length: 320, nullable: true })
  email!: string | null;

  @Column({ type: 'varchar', length: 255, nullable: true })
  displayName!: string | null;

  @Column({ type: 'text', nullable: true })
  avatarUrl!: string | null;

  /**
   * The profile as the provider returned it at the last sign-in or profile fetch (Atlassian `/me`,
   * Bitbucket `/2.0/user`), or null when none is kept (not fetched yet, or erased).
   */
  @Column({ type: 'simple-json', nullable: true })
  profile!: AtlassianProfile | BitbucketProfile | null;

  /** When the personal data above (email, names, avatar, profile) was fetched from the provider. */
  @Column({ type: Date, nullable: true })
  profileFetchedAt!: Date | null;

  /** Scopes granted by the provider. */
  @Column({ type: 'simple-json' })
  scopes!: string[];

  /** AES-256-GCM ciphertext; `text` because tokens can exceed 2,500 characters. */
  @Column({ type: 'text', select: false })
  accessTokenEncrypted!: string;

  @Column({ type: 'text', nullable: true, select: false })
  refreshTokenEncrypted!: string | null;

  @Column({ type: Date, nullable: true })
  accessTokenExpiresAt!: Date | null;

  /** Last time the refresh token was used (or issued at sign-in): the 90-day inactivity clock. */
  @Column({ type: Date, nullable: true })
  lastRefreshedAt!: Date | null;

  /**
   * When the app last took an access token of this account (`getAccessToken`, the API clients), to the
   * recorder's flush interval; null when never since this column exists. Only proactive refresh reads it.
   */
  @Column({ type: Date, nullable: true })
  lastUsedAt!: Date | null;

  /** Last consent: the 365-day absolute expiry counts from here. */
  @Column({ type: Date })
  consentedAt!: Date;

  @Column({ type: 'varchar', length: 32, default: 'active' })
  status!: LinkedAccountStatus;

  @Column({ type: 'varchar', length: 255, nullable: true })
  statusReason!: string | null;

  /** Process holding the refresh claim (lease), or null; see `RefreshClaimStore`. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  refreshLeaseOwner!: string | null;

  /** When the refresh claim lapses, so that a crashed holder never blocks the account for long. */
  @Column({ type: Date, nullable: true })
  refreshLeaseExpiresAt!: Date | null;

  /** Transient refresh failures in a row; drives the backoff. */
  @Column({ type: 'integer', default: 0 })
  refreshFailureCount!: number;

  /** No refresh is tried before this (backoff after a transient failure, Retry-After honoured). */
  @Column({ type: Date, nullable: true })
  nextRefreshAttemptAt!: Date | null;

  /** Last refresh failure, as a short reason (never a token). */
  @Column({ type: 'varchar', length: 255, nullable: true })
  lastRefreshError!: string | null;

  /** When the app was told that the 365-day consent is about to expire, or null. */
  @Column({ type: Date, nullable: true })
  consentExpiryNotifiedAt!: Date | null;

  /** Optimistic lock: every write bumps it, so a conditional UPDATE can claim a row. */
  @VersionColumn()
  version!: number;

  @CreateDateColumn()
  createdAt!: Date;

  @UpdateDateColumn()
  updatedAt!: Date;

  @OneToMany(() => AtlassianSite, (site) => site.linkedAccount)
  sites?: Relation<AtlassianSite>[];
}
