import { Injectable } from '@nestjs/common';
import { InjectAtlassianRepository } from '../accounts/atlassian-data-source.js';
import type { Repository } from 'typeorm';
import { merged } from '../common/merged.js';
import { escapedQuery } from '../common/escaped-query.js';
import { LinkedAccount } from '../accounts/entities/linked-account.entity.js';
import { AtlassianError } from '../errors/atlassian.error.js';
import { AtlassianTokenStoreError } from '../errors/token-errors.js';
import { LeasedRows } from '../jobs/leased-rows.js';
import type { Lease } from '../jobs/lease.js';
import { AccessTokenRead, type AccessTokenRow } from './access-token-read.js';
import type { TokenTarget } from './token-target.js';

/** The encrypted token pair and its dates, as one rotation stores them. */
export interface StoredTokenPair {
  accessTokenEncrypted: string;
  refreshTokenEncrypted: string | null;
  accessTokenExpiresAt: Date | null;
  scopes: string[];
}

/**
 * Every database read and write of the token lifecycle. A refresh is claimed with a lease (a
 * conditional UPDATE: the version the caller saw, no live lease by the database's clock), identical
 * on SQLite and PostgreSQL; every later write is fenced by the lease, so a holder whose claim was
 * taken (a new sign-in, a forget, a lapsed lease claimed by another instance) cannot overwrite what
 * came after. No transaction is held across a call to the provider. A database that does not answer
 * becomes {@link AtlassianTokenStoreError} (503, a stable code), never a driver's error.
 */
@Injectable()
export class AccountTokenStore {
  /** The lease machinery of the accounts table, shared with the scheduled jobs. */
  readonly leases: LeasedRows<LinkedAccount>;
  private readonly accessRead: AccessTokenRead;

  constructor(
    @InjectAtlassianRepository(LinkedAccount) private readonly accounts: Repository<LinkedAccount>,
  ) {
    this.leases = new LeasedRows(
      accounts,
      { owner: 'refreshLeaseOwner', until: 'refreshLeaseExpiresAt' },
      ['accessTokenEncrypted', 'refreshTokenEncrypted'],
    );
    this.accessRead = new AccessTokenRead(accounts);
  }

  /** What handing out the stored access token needs (no refresh token), or null: the hot read. */
  loadForAccess(target: TokenTarget): Promise<AccessTokenRow | null> {
    return guarded('reading a linked account', () => this.accessRead.load(target));
  }

  /** The account with its ciphertexts, or null. */
  load(target: TokenTarget): Promise<LinkedAccount | null> {
    return guarded('reading a linked account', () => this.loadAccount(target));
  }

  private loadAccount(target: TokenTarget): Promise<LinkedAccount | null> {
    const query = this.accounts
      .createQueryBuilder('account')
      .addSelect(['account.accessTokenEncrypted', 'account.refreshTokenEncrypted']);
    if ('accountId' in target) query.where('account.id = :id', { id: target.accountId });
    else
      query
        .where('account.userId = :userId AND account.provider = :provider', target)
        .orderBy('account.createdAt', 'ASC')
        .addOrderBy('account.id', 'ASC');
    return query.getOne();
  }

  /** Claims the right to refresh: a lease for exactly one caller per version, while no live lease exists. */
  claim(account: LinkedAccount, leaseMs: number): Promise<Lease | null> {
    return guarded('claiming a refresh', () =>
      this.leases.claimOne(
        account.id,
        `"version" = :version AND "status" = :active`,
        { version: account.version, active: 'active' },
        leaseMs,
      ),
    );
  }

  /** Stores a rotated pair and ends the lease; false when the lease was taken (the pair must not be used). */
  saveRefreshed(
    accountId: string,
    lease: Lease,
    pair: StoredTokenPair,
    now: Date,
  ): Promise<boolean> {
    return guarded('storing refreshed tokens', () =>
      this.leases.writeAndRelease(
        accountId,
        lease,
        merged(pair, {
          lastRefreshedAt: now,
          refreshFailureCount: 0,
          nextRefreshAttemptAt: null,
          lastRefreshError: null,
        }),
      ),
    );
  }

  /** Keeps the tokens, ends the lease, and sets when the next try may happen. */
  recordTransientFailure(
    accountId: string,
    lease: Lease,
    failureCount: number,
    retryAt: Date,
    reason: string,
  ): Promise<boolean> {
    return guarded('recording a failed refresh', () =>
      this.leases.writeAndRelease(accountId, lease, {
        refreshFailureCount: failureCount,
        nextRefreshAttemptAt: retryAt,
        lastRefreshError: reason.slice(0, 255),
      }),
    );
  }

  /** The provider refused the refresh token: the account needs a new consent. */
  markReauthRequired(accountId: string, lease: Lease, reason: string): Promise<boolean> {
    return guarded('recording a refused refresh', () =>
      this.leases.writeAndRelease(accountId, lease, {
        status: 'reauth_required',
        statusReason: reason.slice(0, 255),
        lastRefreshError: reason.slice(0, 255),
      }),
    );
  }

  /**
   * Moves `lastUsedAt` of the accounts forward to `usedAt`, in one statement; never backwards (another
   * instance may have written a later use). Plain SQL: the query builder would also bump `version` and
   * `updatedAt`, and a bumped version would fail a concurrent refresh claim for nothing.
   */
  async recordUse(accountIds: string[], usedAt: Date): Promise<void> {
    const dataSource = this.accounts.manager.connection;
    const { driver } = dataSource;
    const column = this.accounts.metadata.findColumnWithPropertyName('lastUsedAt')!;
    const [sql, parameters] = escapedQuery(
      driver,
      `UPDATE ${driver.escape(this.accounts.metadata.tableName)}` +
        ` SET "lastUsedAt" = :usedAt` +
        ` WHERE "id" IN (:...ids) AND ("lastUsedAt" IS NULL OR "lastUsedAt" < :usedAt)`,
      { usedAt: driver.preparePersistentValue(usedAt, column), ids: accountIds },
    );
    await guarded('recording account use', () => dataSource.query(sql, parameters));
  }

  /** Ends a lease without writing anything else (the work found nothing to do). */
  release(accountId: string, lease: Lease): Promise<boolean> {
    return guarded('ending a lease', () => this.leases.writeAndRelease(accountId, lease, {}));
  }

  /**
   * Forgets the tokens of an account (unlinked or revoked by the app). A write outside the lease that
   * must win: it ends any lease, so a refresh in flight cannot store its pair and revive the account.
   */
  async forgetTokens(accountId: string): Promise<void> {
    await guarded('forgetting tokens', () => this.forget(accountId));
  }

  private async forget(accountId: string): Promise<void> {
    await this.accounts
      .createQueryBuilder()
      .update()
      .set({
        accessTokenEncrypted: '',
        refreshTokenEncrypted: null,
        accessTokenExpiresAt: null,
        status: 'revoked',
        statusReason: 'tokens forgotten by the app',
        ...this.leases.noLease(),
      })
      .where('id = :id', { id: accountId })
      .execute();
  }
}

/** Runs a database call; a failure of the database itself becomes {@link AtlassianTokenStoreError}. */
export async function guarded<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof AtlassianError) throw err;
    throw new AtlassianTokenStoreError(what, { cause: err });
  }
}
