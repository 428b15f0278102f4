import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ATLASSIAN_OPTIONS } from '../atlassian.constants.js';
import { AtlassianClock } from '../clock/atlassian-clock.js';
import type { RegisteredCronJob } from '../jobs/cron-registration.js';
import { PeriodicTask } from '../jobs/periodic-task.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
import { ConsentWarningJob } from './consent-warning.job.js';
import { TokenRefreshJob, type RefreshSweepResult } from './token-refresh.job.js';

export type { RefreshSweepResult } from './token-refresh.job.js';

const JOB_NAME = 'nestjs-atlassian:token-refresh';

/** Where the scheduler of this process stands, as the health indicator reads it. */
export interface RefreshSchedulerStatus {
  /**
   * `disabled`: `refreshScheduler.enabled` is false; `unregistered`: enabled, but no cron job runs (the
   * boot warning names what is missing); `scheduled`: the cron job runs.
   */
  state: 'disabled' | 'unregistered' | 'scheduled';
  /** The cron expression of the tick. */
  cron: string;
  /** When the cron job was registered, by the module's clock; null unless scheduled. */
  scheduledAt: Date | null;
  /** When the last tick of this process completed without an error, by the module's clock. */
  lastTickCompletedAt: Date | null;
  /** When the cron fires next after an instant; null unless scheduled. */
  nextTickAfter: ((instant: Date) => Date) | null;
}

/**
 * Proactive refresh on a cron: tokens expiring within the window, idle accounts before the 90-day
 * inactivity limit, then a warning before a consent ends. Safe with many instances on one database:
 * both jobs claim rows under the same leases as on-demand refreshes. Shutdown waits for a running tick.
 */
@Injectable()
export class TokenRefreshScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('TokenRefreshScheduler');
  private readonly task = new PeriodicTask('token_refresh', (shouldStop) => this.sweep(shouldStop));
  private cronJob: RegisteredCronJob | undefined;
  private scheduledAt: Date | null = null;
  private lastTickCompletedAt: Date | null = null;

  /** @internal Nest builds it; the parameters are internal. */
  constructor(
    @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
    private readonly refreshJob: TokenRefreshJob,
    private readonly consentWarningJob: ConsentWarningJob,
    private readonly moduleRef: ModuleRef,
    private readonly clock: AtlassianClock,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.refreshScheduler.enabled) return;
    this.cronJob = await this.task.schedule(this.moduleRef, this.logger, {
      name: JOB_NAME,
      cron: this.options.refreshScheduler.cron,
      disableHint: 'set refreshScheduler.enabled to false',
      failure: 'Token refresh tick failed',
    });
    if (this.cronJob) this.scheduledAt = this.clock.now();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** One tick; a tick still running in this process is joined instead of overlapped. */
  runOnce(): Promise<RefreshSweepResult> {
    return this.task.run();
  }

  /** Where the scheduler stands: for the health indicator. */
  status(): RefreshSchedulerStatus {
    const { enabled, cron } = this.options.refreshScheduler;
    return {
      state: !enabled ? 'disabled' : this.cronJob ? 'scheduled' : 'unregistered',
      cron,
      scheduledAt: this.scheduledAt,
      lastTickCompletedAt: this.lastTickCompletedAt,
      nextTickAfter: this.cronJob?.nextTickAfter ?? null,
    };
  }

  private async sweep(shouldStop: () => boolean): Promise<RefreshSweepResult> {
    const result: RefreshSweepResult = {
      refreshed: 0,
      failed: 0,
      reauthRequired: 0,
      superseded: 0,
      consentWarnings: 0,
    };
    await this.refreshJob.run(result, shouldStop);
    result.consentWarnings = await this.consentWarningJob.run(shouldStop);
    this.lastTickCompletedAt = this.clock.now();
    return result;
  }
}
