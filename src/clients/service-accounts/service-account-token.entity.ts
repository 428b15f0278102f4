import { Column, Entity, PrimaryColumn, VersionColumn } from 'typeorm';
import type { SiteView } from '../../accounts/linked-account.view.js';

/**
 * The access token of one configured service account, shared by every instance on the database: one
 * instance claims the row (a lease, like a user token's refresh) and asks the token endpoint, the
 * others wait and read what it stored. The token is encrypted, bound to this row.
 */
@Entity('atlassian_service_account_tokens')
export class ServiceAccountToken {
  /** The service account's name in the `serviceAccounts` option. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id!: string;

  /** The credential the token was issued to: a token of another client id is not used. */
  @Column({ type: 'varchar', length: 255 })
  clientId!: string;

  /** The access token, encrypted (`serviceAccountTokenBinding`); null until the first one. */
  @Column({ type: 'text', nullable: true, select: false })
  accessTokenEncrypted!: string | null;

  @Column({ type: Date, nullable: true })
  accessTokenExpiresAt!: Date | null;

  /** When the token was issued, by the fetching instance's clock. */
  @Column({ type: Date, nullable: true })
  fetchedAt!: Date | null;

  /** The scopes fixed on the credential, as the token response named them. */
  @Column({ type: 'simple-json' })
  scopes!: string[];

  /** The sites the credential reaches (accessible-resources), read with each new token. */
  @Column({ type: 'simple-json' })
  sites!: SiteView[];

  /** The instance asking for a token now (lease id), or null. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  leaseOwner!: string | null;

  /** When that lease lapses, by the database's clock. */
  @Column({ type: Date, nullable: true })
  leaseExpiresAt!: Date | null;

  /** Bumped by every write, so a claim is taken only on the row its caller saw stale. */
  @VersionColumn()
  version!: number;
}
