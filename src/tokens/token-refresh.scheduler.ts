import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import type { LinkedAccount } from '../accounts/entities/linked-account.entity.js';
import { ATLASSIAN_OPTIONS } from '../atlassian.constants.js';
import { AtlassianReauthRequiredError } from '../errors/token-errors.js';
import { AtlassianEventPublisher } from '../events/atlassian-event-publisher.js';
import { AtlassianEvents } from '../events/atlassian-events.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
import { AccountTokenStore } from './account-token.store.js';
import { DueAccountsQuery } from './due-accounts.query.js';
import { runWithConcurrency } from './run-with-concurrency.js';
import { TokenRefresher } from './token-refresher.js';

const DAY_MS = 24 * 3600 * 1000;
const CONSENT_LIFETIME_MS = 365 * DAY_MS;
const JOB_NAME = 'nestjs-atlassian:token-refresh';

/** What one tick did. */
export interface RefreshSweepResult {
  /** Accounts this process refreshed. */
  refreshed: number;
  /** Due accounts another process claimed first. */
  claimedElsewhere: number;
  /** Refreshes that failed for a reason that may pass (kept, retried later). */
  failed: number;
  /** Accounts the provider refused (now `reauth_required`). */
  reauthRequired: number;
  /** Consent-expiry warnings this process sent. */
  consentWarnings: number;
}

/**
 * Proactive refresh on a cron: tokens expiring within the window, idle accounts before the 90-day
 * inactivity limit, and a warning before the 365-day consent ends. Safe with many instances on one
 * database: every refresh goes through the same row claim as on-demand refreshes.
 */
@Injectable()
export class TokenRefreshScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('TokenRefreshScheduler');
  private running: Promise<RefreshSweepResult> | undefined;
  private stopJob: (() => void) | undefined;

  constructor(
    @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
    private readonly due: DueAccountsQuery,
    private readonly store: AccountTokenStore,
    private readonly refresher: TokenRefresher,
    private readonly events: AtlassianEventPublisher,
    private readonly moduleRef: ModuleRef,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.refreshScheduler.enabled) await this.schedule();
  }

  onModuleDestroy(): void {
    this.stopJob?.();
  }

  /** One tick; a tick still running in this process is joined instead of overlapped. */
  runOnce(): Promise<RefreshSweepResult> {
    this.running ??= this.sweep().finally(() => (this.running = undefined));
    return this.running;
  }

  private async sweep(): Promise<RefreshSweepResult> {
    const result: RefreshSweepResult = { refreshed: 0, claimedElsewhere: 0, failed: 0, reauthRequired: 0, consentWarnings: 0 };
    const { windowSeconds, keepAliveAfterDays, batchSize } = this.options.refreshScheduler;
    // An account is tried once per tick, even if a short-lived token is due again at once.
    const tried = new Set<string>();
    for (;;) {
      const now = this.options.now();
      const expiring = windowSeconds > 0 ? await this.due.expiringBy(new Date(now.getTime() + windowSeconds * 1000), now, batchSize) : [];
      const idle = await this.due.idleSince(new Date(now.getTime() - keepAliveAfterDays * DAY_MS), now, batchSize);
      const batch = uniqueById([...expiring, ...idle]).filter((account) => !tried.has(account.id));
      if (batch.length === 0) break;
      for (const account of batch) tried.add(account.id);
      const before = result.refreshed + result.failed + result.reauthRequired;
      await this.refreshBatch(batch, result);
      // Nothing claimed: the rest belongs to other instances' running refreshes; they finish it.
      if (result.refreshed + result.failed + result.reauthRequired === before) break;
    }
    result.consentWarnings = await this.warnConsentExpiry();
    return result;
  }

  private async refreshBatch(batch: LinkedAccount[], result: RefreshSweepResult): Promise<void> {
    const { concurrency } = this.options.refreshScheduler;
    await runWithConcurrency(batch, concurrency, async (account) => {
      const owner = randomUUID();
      if (!(await this.store.claim(account, owner, this.options.now(), this.options.tokens.refreshLeaseMs))) {
        result.claimedElsewhere++;
        return;
      }
      try {
        await this.refresher.refresh(account, owner);
        result.refreshed++;
      } catch (err) {
        if (err instanceof AtlassianReauthRequiredError) result.reauthRequired++;
        else result.failed++;
      }
    });
  }

  private async warnConsentExpiry(): Promise<number> {
    const { consentWarningDays, batchSize } = this.options.refreshScheduler;
    const now = this.options.now();
    const consentedBefore = new Date(now.getTime() - CONSENT_LIFETIME_MS + consentWarningDays * DAY_MS);
    let warned = 0;
    for (const account of await this.due.consentExpiringBy(consentedBefore, batchSize)) {
      if (!(await this.due.claimConsentWarning(account.id, now))) continue;
      warned++;
      this.events.publish(AtlassianEvents.ConsentExpiring, {
        accountId: account.id,
        userId: account.userId,
        provider: account.provider,
        consentExpiresAt: new Date(account.consentedAt.getTime() + CONSENT_LIFETIME_MS),
      });
    }
    return warned;
  }

  /** Registers the cron job with the host's `ScheduleModule`; without it, says so once and stays off. */
  private async schedule(): Promise<void> {
    let registry: { addCronJob(name: string, job: unknown): void; deleteCronJob(name: string): void } | undefined;
    let CronJob: (new (cron: string, onTick: () => void) => { start(): void; stop(): void }) | undefined;
    try {
      const schedule = await import('@nestjs/schedule');
      ({ CronJob } = (await import('cron')) as never);
      registry = this.moduleRef.get(schedule.SchedulerRegistry, { strict: false });
    } catch {
      registry = undefined;
    }
    if (!registry || !CronJob) {
      this.logger.warn('Scheduled token refresh is off: import ScheduleModule.forRoot() from @nestjs/schedule, or set refreshScheduler.enabled to false.');
      return;
    }
    const job = new CronJob(this.options.refreshScheduler.cron, () => {
      this.runOnce().catch((err) => this.logger.error(`Token refresh tick failed: ${(err as Error).message}`));
    });
    registry.addCronJob(JOB_NAME, job);
    job.start();
    this.stopJob = () => {
      job.stop();
      registry.deleteCronJob(JOB_NAME);
    };
  }
}

function uniqueById(accounts: LinkedAccount[]): LinkedAccount[] {
  return [...new Map(accounts.map((account) => [account.id, account])).values()];
}
