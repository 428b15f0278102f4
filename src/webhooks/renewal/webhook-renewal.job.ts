import { Inject, Injectable, Logger } from '@nestjs/common';
import { AccountLinkService } from '../../accounts/account-link.service.js';
import { ATLASSIAN_OPTIONS } from '../../atlassian.constants.js';
import { AtlassianClock } from '../../clock/atlassian-clock.js';
import { runWithConcurrency } from '../../common/run-with-concurrency.js';
import { AtlassianEventPublisher } from '../../events/atlassian-event-publisher.js';
import { AtlassianEvents } from '../../events/atlassian-events.js';
import type { Lease } from '../../jobs/lease.js';
import type { NormalizedAtlassianOptions } from '../../options/normalized-options.interface.js';
import { errorSummary } from '../registrations/error-summary.js';
import { JiraWebhookRegistrar } from '../registrations/jira-webhook-registrar.js';
import type { WebhookRegistration } from '../registrations/webhook-registration.entity.js';
import { WebhookRegistrationStore } from '../registrations/webhook-registration.store.js';
import { renewalFailure } from './renewal-failure.js';

/** What one renewal tick did. */
export interface WebhookRenewalResult {
  /** Registrations Jira extended. */
  renewed: number;
  /** Registrations Jira no longer listed, registered again (a new `remoteId`). */
  reregistered: number;
  /** Registrations stopped because the account must consent again (event sent). */
  stopped: number;
  /** Registrations Jira refused to take back (`failed`), or failures that may pass (retried at a later tick). */
  failed: number;
  /** Work dropped because the registration was removed meanwhile. */
  superseded: number;
}

/** Groups worked on at once; a claim takes no more rows than that, so no lease runs down in a queue. */
const CONCURRENCY = 5;
/** A claim covers a few calls per group (list, refresh, a re-registration) with their retries and rate-limit waits. */
const LEASE_MS = 10 * 60_000;
/** Past this many failures that may pass in one tick (Jira or the network is down), the tick ends. */
const MAX_RETRIES_LEFT_PER_TICK = 500;
const JIRA_WEBHOOK_LIFETIME_MS = 30 * 24 * 3600_000;

/**
 * Keeps Jira registrations alive, a job on the leased-rows mechanism: claims those expiring within
 * `webhooks.renewBeforeMs`, lists the account's webhooks at Jira once per account and site, renews
 * those Jira still has with one refresh call, registers again those it no longer has, and stops
 * (with an event) those whose account must consent again. Instances claim disjoint rows, so each
 * registration gets one refresh call per renewal however many instances tick at once.
 * @internal Run through `WebhookRenewalScheduler`.
 */
@Injectable()
export class WebhookRenewalJob {
  private readonly logger = new Logger('WebhookRenewalJob');

  constructor(
    @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
    private readonly store: WebhookRegistrationStore,
    private readonly jira: JiraWebhookRegistrar,
    private readonly accounts: AccountLinkService,
    private readonly events: AtlassianEventPublisher,
    private readonly clock: AtlassianClock,
  ) {}

  /** Renews what is due until nothing is, or until `shouldStop`; adds to `result`. */
  async run(result: WebhookRenewalResult, shouldStop: () => boolean): Promise<void> {
    // Failures that may pass are released at once for a later tick, and not claimed again in this one.
    const retryLater = new Set<string>();
    while (!shouldStop() && retryLater.size < MAX_RETRIES_LEFT_PER_TICK) {
      const parameters = {
        atlassian: 'atlassian',
        active: 'active',
        threshold: new Date(this.clock.now().getTime() + this.options.webhooks.renewBeforeMs),
        retryLater: [...retryLater],
      };
      const { lease, rows } = await this.store.leases.claimBatch(
        (due) => {
          due
            .where('due.provider = :atlassian AND due.status = :active')
            .andWhere('due.expiresAt <= :threshold');
          if (retryLater.size > 0) due.andWhere('due.id NOT IN (:...retryLater)');
          return due.orderBy('due.expiresAt', 'ASC').setParameters(parameters);
        },
        CONCURRENCY,
        LEASE_MS,
      );
      if (rows.length === 0) return;
      await runWithConcurrency(groupByAccountAndSite(rows), CONCURRENCY, (group) =>
        this.renewGroup(group, lease, result, retryLater),
      );
    }
  }

  /** One account's claimed registrations on one site. */
  private async renewGroup(
    rows: WebhookRegistration[],
    lease: Lease,
    result: WebhookRenewalResult,
    retryLater: Set<string>,
  ): Promise<void> {
    const { linkedAccountId, target } = rows[0];
    const jira = this.jira.on(linkedAccountId, target);
    let vanished: WebhookRegistration[];
    try {
      const listed = await jira.list();
      const present = rows.filter((row) => listed.has(row.remoteId));
      vanished = rows.filter((row) => !listed.has(row.remoteId));
      if (present.length > 0) {
        const now = this.clock.now();
        const expiresAt =
          (await jira.refresh(present.map((row) => row.remoteId))) ??
          new Date(now.getTime() + JIRA_WEBHOOK_LIFETIME_MS);
        for (const row of present) {
          const written = await this.store.leases.writeAndRelease(row.id, lease, {
            expiresAt,
            lastRenewedAt: now,
          });
          result[written ? 'renewed' : 'superseded']++;
        }
      }
    } catch (err) {
      await this.failed(rows, lease, err, result, retryLater);
      return;
    }
    for (const row of vanished) await this.registerAgain(row, lease, result, retryLater);
  }

  /** Registers a webhook Jira dropped with the same filter, under the same row (a new `remoteId`). */
  private async registerAgain(
    row: WebhookRegistration,
    lease: Lease,
    result: WebhookRenewalResult,
    retryLater: Set<string>,
  ): Promise<void> {
    const url = this.options.webhooks.jiraUrl;
    if (url === null) {
      await this.markFailed(row, lease, 'webhook_url_missing', result);
      return;
    }
    let created;
    try {
      created = await this.jira.register(row.linkedAccountId, row.target, url, {
        events: row.events,
        jqlFilter: row.jqlFilter ?? '',
        ...(row.fieldIdsFilter && { fieldIdsFilter: row.fieldIdsFilter }),
      });
    } catch (err) {
      await this.failed([row], lease, err, result, retryLater);
      return;
    }
    let written = false;
    try {
      written = await this.store.leases.writeAndRelease(row.id, lease, {
        remoteId: created.remoteId,
        expiresAt: created.expiresAt,
        lastRenewedAt: this.clock.now(),
      });
    } finally {
      // Removed meanwhile, or not stored: Jira must not keep a webhook nobody renews or removes.
      if (!written)
        await this.jira
          .delete(row.linkedAccountId, row.target, [created.remoteId])
          .catch((err: unknown) =>
            this.logger.warn(
              `Could not delete Jira webhook ${created.remoteId}, registered again for a removed registration (${errorSummary(err)}).`,
            ),
          );
    }
    result[written ? 'reregistered' : 'superseded']++;
  }

  /** Sorts a failure: the account must consent again (stop), Jira refused (fail), or it may pass (later tick). */
  private async failed(
    rows: WebhookRegistration[],
    lease: Lease,
    err: unknown,
    result: WebhookRenewalResult,
    retryLater: Set<string>,
  ): Promise<void> {
    const failure = renewalFailure(err);
    if (failure.kind === 'stop') {
      for (const row of rows) await this.stop(row, lease, failure.reason, result);
    } else if (failure.kind === 'refused') {
      for (const row of rows) await this.markFailed(row, lease, failure.reason, result);
    } else {
      result.failed += rows.length;
      for (const row of rows) {
        retryLater.add(row.id);
        await this.store.leases.writeAndRelease(row.id, lease, {});
      }
      this.logger.warn(
        `Renewing ${rows.length} Jira webhook(s) of account ${rows[0].linkedAccountId} on site ${rows[0].target} failed; a later tick retries (${errorSummary(err)}).`,
      );
    }
  }

  private async stop(
    row: WebhookRegistration,
    lease: Lease,
    reason: string,
    result: WebhookRenewalResult,
  ): Promise<void> {
    const written = await this.store.leases.writeAndRelease(row.id, lease, {
      status: 'stopped',
      statusReason: reason,
    });
    if (!written) {
      result.superseded++;
      return;
    }
    result.stopped++;
    const account = await this.accounts.findById(row.linkedAccountId);
    this.events.publish(AtlassianEvents.WebhookRegistrationStopped, {
      registrationId: row.id,
      accountId: row.linkedAccountId,
      userId: account?.userId ?? '',
      provider: row.provider,
      target: row.target,
      reason,
    });
  }

  private async markFailed(
    row: WebhookRegistration,
    lease: Lease,
    reason: string,
    result: WebhookRenewalResult,
  ): Promise<void> {
    const written = await this.store.leases.writeAndRelease(row.id, lease, {
      status: 'failed',
      statusReason: reason.slice(0, 255),
    });
    result[written ? 'failed' : 'superseded']++;
  }
}

function groupByAccountAndSite(rows: WebhookRegistration[]): WebhookRegistration[][] {
  const groups = new Map<string, WebhookRegistration[]>();
  for (const row of rows) {
    const key = `${row.linkedAccountId} ${row.target}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups.values()];
}
