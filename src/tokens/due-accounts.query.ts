import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Brackets, IsNull, LessThanOrEqual, type Repository, type SelectQueryBuilder } from 'typeorm';
import { LinkedAccount } from '../accounts/entities/linked-account.entity.js';
import { leaseFree } from './account-token.store.js';

/** Why an account is due: its access token expires soon, or it has been idle long. */
export type DueReason = 'expiring' | 'idle';

/** Where "due" starts, and the tick it is for. */
export interface DueWindow {
  /** `expiring`: tokens expiring by then; `idle`: accounts last refreshed by then. */
  threshold: Date;
  /** Accounts refreshed since the tick began are not due again in the same tick. */
  tickStartedAt: Date;
  now: Date;
}

/**
 * The scheduler's queries. Each walks one index, (status, accessTokenExpiresAt),
 * (status, lastRefreshedAt) or (status, consentedAt), so a tick costs what is due, not what is stored.
 * Claims take a whole batch in one UPDATE; on PostgreSQL its sub-select skips rows another instance
 * has locked (`FOR UPDATE SKIP LOCKED`), so instances running the same schedule take disjoint batches.
 */
@Injectable()
export class DueAccountsQuery {
  constructor(@InjectRepository(LinkedAccount) private readonly accounts: Repository<LinkedAccount>) {}

  /** The due accounts, read only (what the next claim would take), e.g. for monitoring. */
  due(reason: DueReason, window: DueWindow, limit: number): Promise<LinkedAccount[]> {
    const query = this.accounts.createQueryBuilder('due');
    this.whereDue(query, reason, window);
    return query.orderBy(orderColumn(reason), 'ASC').limit(limit).getMany();
  }

  /** Claims up to `limit` due accounts for `owner` in one statement; returns them with their ciphertexts. */
  async claim(reason: DueReason, window: DueWindow, limit: number, owner: string, leaseMs: number): Promise<LinkedAccount[]> {
    const due = this.accounts.createQueryBuilder().subQuery().select('due.id').from(LinkedAccount, 'due');
    this.whereDue(due, reason, window);
    due.orderBy(orderColumn(reason), 'ASC').limit(limit);
    if (this.accounts.manager.connection.options.type === 'postgres') due.setLock('pessimistic_write').setOnLocked('skip_locked');
    await this.accounts
      .createQueryBuilder()
      .update(LinkedAccount)
      .set({ refreshLeaseOwner: owner, refreshLeaseExpiresAt: new Date(window.now.getTime() + leaseMs) })
      .where(`id IN ${due.getQuery()}`)
      // Checked again on the row itself: a row claimed by another instance meanwhile is left alone.
      .andWhere(leaseFree('refreshLeaseExpiresAt'))
      .setParameters(parameters(window))
      .execute();
    return this.accounts
      .createQueryBuilder('account')
      .addSelect(['account.accessTokenEncrypted', 'account.refreshTokenEncrypted'])
      .where('account.refreshLeaseOwner = :owner', { owner })
      .getMany();
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

  private whereDue(query: SelectQueryBuilder<LinkedAccount>, reason: DueReason, window: DueWindow): void {
    query
      .where(reason === 'expiring' ? 'due.accessTokenExpiresAt <= :threshold' : 'due.lastRefreshedAt <= :threshold')
      .andWhere('due.status = :active')
      .andWhere(leaseFree('due.refreshLeaseExpiresAt'))
      .andWhere(new Brackets((q) => q.where('due.nextRefreshAttemptAt IS NULL').orWhere('due.nextRefreshAttemptAt <= :now')))
      .andWhere(new Brackets((q) => q.where('due.lastRefreshedAt IS NULL').orWhere('due.lastRefreshedAt < :tickStartedAt')))
      .setParameters(parameters(window));
  }
}

function orderColumn(reason: DueReason): string {
  return reason === 'expiring' ? 'due.accessTokenExpiresAt' : 'due.lastRefreshedAt';
}

function parameters(window: DueWindow): Record<string, unknown> {
  return { ...window, active: 'active' };
}
