import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ATLASSIAN_OPTIONS } from '../atlassian.constants.js';
import { registerCronJob } from '../jobs/cron-registration.js';
import { PeriodicTask } from '../jobs/periodic-task.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
import { ConsentWarningJob } from './consent-warning.job.js';
import { TokenRefreshJob, type RefreshSweepResult } from './token-refresh.job.js';

export type { RefreshSweepResult } from './token-refresh.job.js';

const JOB_NAME = 'nestjs-atlassian:token-refresh';

/**
 * Proactive refresh on a cron: tokens expiring within the window, idle accounts before the 90-day
 * inactivity limit, then a warning before a consent ends. Safe with many instances on one database:
 * both jobs claim rows under the same leases as on-demand refreshes. Shutdown waits for a running tick.
 */
@Injectable()
export class TokenRefreshScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('TokenRefreshScheduler');
  private readonly task = new PeriodicTask((shouldStop) => this.sweep(shouldStop));
  private stopCron: (() => void) | undefined;

  /** @internal Nest builds it; the parameters are internal. */
  constructor(
    @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
    private readonly refreshJob: TokenRefreshJob,
    private readonly consentWarningJob: ConsentWarningJob,
    private readonly moduleRef: ModuleRef,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.refreshScheduler.enabled) return;
    this.stopCron = await registerCronJob(this.moduleRef, this.logger, {
      name: JOB_NAME,
      cron: this.options.refreshScheduler.cron,
      onTick: () =>
        void this.runOnce().catch((err) =>
          this.logger.error(`Token refresh tick failed: ${(err as Error).message}`),
        ),
      disableHint: 'set refreshScheduler.enabled to false',
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopCron?.();
    await this.task.stop();
  }

  /** One tick; a tick still running in this process is joined instead of overlapped. */
  runOnce(): Promise<RefreshSweepResult> {
    return this.task.run();
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
    return result;
  }
}
