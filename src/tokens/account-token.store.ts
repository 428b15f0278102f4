import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, type Repository, type SelectQueryBuilder } from 'typeorm';
import { LinkedAccount } from '../accounts/entities/linked-account.entity.js';
import type { TokenTarget } from './token-target.js';

/** SQL condition: no refresh claim on the row, or one that has lapsed by `:now`. */
export function leaseFree(column: string): Brackets {
  return new Brackets((q) => q.where(`${column} IS NULL`).orWhere(`${column} <= :now`));
}

/** The encrypted token pair and its dates, as one rotation stores them. */
export interface StoredTokenPair {
  accessTokenEncrypted: string;
  refreshTokenEncrypted: string | null;
  accessTokenExpiresAt: Date | null;
  scopes: string[];
}

/**
 * Every database read and write of the token lifecycle. A refresh is claimed with a conditional
 * UPDATE (compare-and-set on `version`, only when no live lease exists), identical on SQLite and
 * PostgreSQL; every later write is fenced by the lease owner, so a holder whose claim lapsed and was
 * taken over cannot overwrite the newer pair. No transaction is held across a call to the provider.
 */
@Injectable()
export class AccountTokenStore {
  constructor(@InjectRepository(LinkedAccount) private readonly accounts: Repository<LinkedAccount>) {}

  /** The account with its ciphertexts, or null. */
  async load(target: TokenTarget): Promise<LinkedAccount | null> {
    const query = this.withSecrets();
    if ('accountId' in target) query.where('account.id = :id', { id: target.accountId });
    else query.where('account.userId = :userId AND account.provider = :provider', target).orderBy('account.createdAt', 'ASC').addOrderBy('account.id', 'ASC');
    return query.getOne();
  }

  /** Claims the right to refresh: true for exactly one caller per version, while no live lease exists. */
  async claim(account: LinkedAccount, owner: string, now: Date, leaseMs: number): Promise<boolean> {
    const result = await this.accounts
      .createQueryBuilder()
      .update(LinkedAccount)
      .set({ refreshLeaseOwner: owner, refreshLeaseExpiresAt: new Date(now.getTime() + leaseMs) })
      .where('id = :id AND version = :version AND status = :active', { id: account.id, version: account.version, active: 'active' })
      .andWhere(leaseFree('refreshLeaseExpiresAt'))
      .setParameter('now', now)
      .execute();
    return result.affected === 1;
  }

  /** Stores a rotated pair and ends the claim; false when the claim was lost to another process. */
  async saveRefreshed(accountId: string, owner: string, pair: StoredTokenPair, now: Date): Promise<boolean> {
    return this.updateOwned(accountId, owner, {
      ...pair,
      lastRefreshedAt: now,
      refreshFailureCount: 0,
      nextRefreshAttemptAt: null,
      lastRefreshError: null,
      status: 'active',
      statusReason: null,
    });
  }

  /** Keeps the tokens, ends the claim, and sets when the next try may happen. */
  async recordTransientFailure(accountId: string, owner: string, failureCount: number, retryAt: Date, reason: string): Promise<boolean> {
    return this.updateOwned(accountId, owner, { refreshFailureCount: failureCount, nextRefreshAttemptAt: retryAt, lastRefreshError: reason.slice(0, 255) });
  }

  /** The provider refused the refresh token: the account needs a new consent. */
  async markReauthRequired(accountId: string, owner: string, reason: string): Promise<boolean> {
    return this.updateOwned(accountId, owner, { status: 'reauth_required', statusReason: reason.slice(0, 255), lastRefreshError: reason.slice(0, 255) });
  }

  /** Forgets the tokens of an account (unlinked or revoked by the app). */
  async forgetTokens(accountId: string): Promise<void> {
    await this.accounts.update(
      { id: accountId },
      { accessTokenEncrypted: '', refreshTokenEncrypted: null, accessTokenExpiresAt: null, status: 'revoked', statusReason: 'tokens forgotten by the app' },
    );
  }

  private async updateOwned(accountId: string, owner: string, values: Partial<LinkedAccount>): Promise<boolean> {
    const result = await this.accounts
      .createQueryBuilder()
      .update(LinkedAccount)
      .set({ ...values, refreshLeaseOwner: null, refreshLeaseExpiresAt: null })
      .where('id = :id AND refreshLeaseOwner = :owner', { id: accountId, owner })
      .execute();
    return result.affected === 1;
  }

  private withSecrets(): SelectQueryBuilder<LinkedAccount> {
    return this.accounts.createQueryBuilder('account').addSelect(['account.accessTokenEncrypted', 'account.refreshTokenEncrypted']);
  }
}
