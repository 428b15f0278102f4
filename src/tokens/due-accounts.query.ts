import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, IsNull, LessThanOrEqual, type Repository, type SelectQueryBuilder } from 'typeorm';
import { LinkedAccount } from '../accounts/entities/linked-account.entity.js';

/**
 * The scheduler's queries. Each walks one index, (status, accessTokenExpiresAt),
 * (status, lastRefreshedAt) or (status, consentedAt), so a tick costs what is due, not what is stored.
 */
@Injectable()
export class DueAccountsQuery {
  constructor(@InjectRepository(LinkedAccount) private readonly accounts: Repository<LinkedAccount>) {}

  /** Active accounts whose access token expires by `before` (expired included), with their ciphertexts. */
  expiringBy(before: Date, now: Date, limit: number): Promise<LinkedAccount[]> {
    return this.claimable(now).andWhere('account.accessTokenExpiresAt <= :before', { before }).orderBy('account.accessTokenExpiresAt', 'ASC').limit(limit).getMany();
  }

  /** Active accounts not refreshed since `before` (the inactivity keep-alive), with their ciphertexts. */
  idleSince(before: Date, now: Date, limit: number): Promise<LinkedAccount[]> {
    return this.claimable(now).andWhere('account.lastRefreshedAt <= :before', { before }).orderBy('account.lastRefreshedAt', 'ASC').limit(limit).getMany();
  }

  /** Active accounts that consented before `before` and were not warned yet. */
  consentExpiringBy(before: Date, limit: number): Promise<LinkedAccount[]> {
    return this.accounts.find({
      where: { status: 'active', consentedAt: LessThanOrEqual(before), consentExpiryNotifiedAt: IsNull() },
      order: { consentedAt: 'ASC' },
      take: limit,
    });
  }

  /** Marks the consent warning as sent; true for exactly one caller across processes. */
  async claimConsentWarning(accountId: string, now: Date): Promise<boolean> {
    const result = await this.accounts
      .createQueryBuilder()
      .update(LinkedAccount)
      .set({ consentExpiryNotifiedAt: now })
      .where('id = :id AND consentExpiryNotifiedAt IS NULL', { id: accountId })
      .execute();
    return result.affected === 1;
  }

  private claimable(now: Date): SelectQueryBuilder<LinkedAccount> {
    return this.accounts
      .createQueryBuilder('account')
      .addSelect(['account.accessTokenEncrypted', 'account.refreshTokenEncrypted'])
      .where('account.status = :active', { active: 'active' })
      .andWhere(new Brackets((q) => q.where('account.refreshLeaseExpiresAt IS NULL').orWhere('account.refreshLeaseExpiresAt <= :now', { now })))
      .andWhere(new Brackets((q) => q.where('account.nextRefreshAttemptAt IS NULL').orWhere('account.nextRefreshAttemptAt <= :now', { now })));
  }
}
