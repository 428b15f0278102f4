import { Injectable, Logger } from '@nestjs/common';
import type { Repository } from 'typeorm';
import { AccountViews } from '../accounts/account-views.js';
import { InjectAtlassianRepository } from '../accounts/atlassian-data-source.js';
import { LinkedAccount } from '../accounts/entities/linked-account.entity.js';
import { AtlassianEventPublisher } from '../events/atlassian-event-publisher.js';
import {
  AtlassianEvents,
  type AccountClosedEvent,
  type ProfileUpdatedEvent,
} from '../events/atlassian-events.js';
import { AtlassianTokenService } from '../tokens/atlassian-token.service.js';
import { guarded } from '../tokens/account-token.store.js';
import { ProfileRefresher } from './profile-refresher.js';

/** The personal data a linked account stores, as it is once erased. */
const ERASED = {
  email: null,
  displayName: null,
  avatarUrl: null,
  profile: null,
  profileFetchedAt: null,
};

/**
 * What Atlassian's answers make the module do to one person's linked accounts (every provider):
 * `closed` erases the personal data and forgets the tokens; `updated` fetches the profile again, or
 * erases it when no token can. Each tells the app through an event that carries ids only.
 */
@Injectable()
export class PersonalDataActions {
  private readonly logger = new Logger('PersonalDataReporter');

  constructor(
    @InjectAtlassianRepository(LinkedAccount) private readonly accounts: Repository<LinkedAccount>,
    private readonly tokens: AtlassianTokenService,
    private readonly views: AccountViews,
    private readonly profiles: ProfileRefresher,
    private readonly events: AtlassianEventPublisher,
  ) {}

  /** Erases the personal data of `accounts` (one person's), forgets their tokens, marks them `closed`. */
  async close(atlassianAccountId: string, accounts: LinkedAccount[]): Promise<void> {
    for (const account of accounts) {
      // Through the token service: it also drops the token it may hold in memory.
      await this.tokens.forgetTokens({ accountId: account.id });
      await guarded('erasing a closed account', () =>
        this.accounts
          .createQueryBuilder()
          .update()
          .set({
            ...ERASED,
            status: 'closed',
            statusReason: 'account closed (Atlassian personal data reporting)',
            lastRefreshError: null,
          })
          .where('id = :id', { id: account.id })
          .execute(),
      );
      this.views.forget(account.id);
      this.events.publish(AtlassianEvents.AccountClosed, {
        accountId: account.id,
        userId: account.userId,
        provider: account.provider,
        atlassianAccountId,
      } satisfies AccountClosedEvent);
    }
  }

  /** Fetches each account's profile again; one that cannot be fetched has its personal data erased. */
  async refresh(atlassianAccountId: string, accounts: LinkedAccount[]): Promise<void> {
    for (const account of accounts) {
      let refetched = true;
      try {
        await this.profiles.refreshProfile(account.id);
      } catch (err) {
        refetched = false;
        this.logger.warn(
          `The updated profile of linked account ${account.id} could not be fetched (${(err as Error).message}): its personal data is erased.`,
        );
        await guarded('erasing a profile that cannot be fetched', () =>
          this.accounts.update({ id: account.id }, ERASED),
        );
      }
      this.views.forget(account.id);
      this.events.publish(AtlassianEvents.ProfileUpdated, {
        accountId: account.id,
        userId: account.userId,
        provider: account.provider,
        atlassianAccountId,
        refetched,
      } satisfies ProfileUpdatedEvent);
    }
  }
}
