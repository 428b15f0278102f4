import { Inject, Injectable } from '@nestjs/common';
import type { LinkedAccountProvider } from '../accounts/entities/linked-account.entity.js';
import { ATLASSIAN_OPTIONS } from '../atlassian.constants.js';
import { AtlassianEventPublisher } from '../events/atlassian-event-publisher.js';
import { AtlassianEvents } from '../events/atlassian-events.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
import { AccountTokenStore } from './account-token.store.js';
import {
  consentExpiresAt,
  consentLifetimeDays,
  consentWarningThreshold,
} from './consent-lifetime.js';
import { tokenEndpointsOf } from '../providers/token-endpoints.js';
import { AtlassianClock } from '../clock/atlassian-clock.js';

/** The work under one lease is a few writes: a crashed holder keeps its rows only this long. */
const WARNING_LEASE_MS = 30_000;

/**
 * Tells the app, once per consent, that it ends soon: a job on the leased-rows mechanism. The warning
 * is written under the lease before the event goes out, so a new sign-in meanwhile (which renews the
 * consent and ends the lease) cancels it, and no two instances send it twice.
 */
@Injectable()
export class ConsentWarningJob {
  /** Configured providers whose consents run out (Bitbucket's do not). */
  private readonly providers: Array<{ provider: LinkedAccountProvider; days: number }>;

  constructor(
    @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
    private readonly store: AccountTokenStore,
    private readonly events: AtlassianEventPublisher,
    private readonly clock: AtlassianClock,
  ) {
    this.providers = [...tokenEndpointsOf(options).keys()].flatMap((provider) => {
      const days = consentLifetimeDays[provider];
      return days === null ? [] : [{ provider, days }];
    });
  }

  /** Sends the warnings due now; returns how many this process sent. */
  async run(shouldStop: () => boolean): Promise<number> {
    const { consentWarningDays, batchSize } = this.options.refreshScheduler;
    let warned = 0;
    for (const { provider, days } of this.providers) {
      while (!shouldStop()) {
        const now = this.clock.now();
        const parameters = {
          provider,
          active: 'active',
          threshold: consentWarningThreshold(days, consentWarningDays, now),
        };
        const { lease, rows } = await this.store.leases.claimBatch(
          (due) =>
            due
              .where('due.provider = :provider AND due.status = :active')
              .andWhere('due.consentedAt <= :threshold AND due.consentExpiryNotifiedAt IS NULL')
              .orderBy('due.consentedAt', 'ASC')
              .setParameters(parameters),
          batchSize,
          WARNING_LEASE_MS,
        );
        if (rows.length === 0) break;
        for (const account of rows) {
          if (
            !(await this.store.leases.writeAndRelease(account.id, lease, {
              consentExpiryNotifiedAt: now,
            }))
          )
            continue;
          warned++;
          this.events.publish(AtlassianEvents.ConsentExpiring, {
            accountId: account.id,
            userId: account.userId,
            provider: account.provider,
            consentExpiresAt: consentExpiresAt(account)!,
          });
        }
      }
    }
    return warned;
  }
}
