import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { randomUUID } from 'node:crypto';
import type { LinkedAccount } from '../accounts/entities/linked-account.entity.js';
import { ATLASSIAN_OPTIONS } from '../atlassian.constants.js';
import { AtlassianReauthRequiredError } from '../errors/token-errors.js';
import { AtlassianEventPublisher } from '../events/atlassian-event-publisher.js';
import { AtlassianEvents } from '../events/atlassian-events.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
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
    const result: RefreshSweepResult = { refreshed: 0, failed: 0, reauthRequired: 0, consentWarnings: 0 };
    const { windowSeconds, keepAliveAfterDays, batchSize, concurrency } = this.options.refreshScheduler;
    // Claim no more than can be worked on at once, so that no claim lapses while it waits its turn.
    const claimSize = Math.min(batchSize, concurrency);
    const tickStartedAt = this.options.now();
    for (;;) {
      const now = this.options.now();
      const owner = randomUUID();
      const leaseMs = this.options.tokens.refreshLeaseMs;
      const claimed =
        windowSeconds > 0 ? await this.due.claim('expiring', { threshold: new Date(now.getTime() + windowSeconds * 1000), tickStartedAt, now }, claimSize, owner, leaseMs) : [];
      if (claimed.length < claimSize) {
        const idleWindow = { threshold: new Date(now.getTime() - keepAliveAfterDays * DAY_MS), tickStartedAt, now };
        claimed.push(...(await this.due.claim('idle', idleWindow, claimSize - claimed.length, owner, leaseMs)));
      }
      if (claimed.length === 0) break;
      await runWithConcurrency(claimed, concurrency, (account) => this.refreshClaimed(account, owner, result));
    }
    result.consentWarnings = await this.warnConsentExpiry();
    return result;
  }

  private async refreshClaimed(account: LinkedAccount, owner: string, result: RefreshSweepResult): Promise<void> {
    try {
      await this.refresher.refresh(account, owner);
      result.refreshed++;
    } catch (err) {
      if (err instanceof AtlassianReauthRequiredError) result.reauthRequired++;
      else result.failed++;
    }
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
