import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ATLASSIAN_OPTIONS } from '../../atlassian.constants.js';
import { PeriodicTask } from '../../jobs/periodic-task.js';
import type { NormalizedAtlassianOptions } from '../../options/normalized-options.interface.js';
import { WebhookRenewalJob, type WebhookRenewalResult } from './webhook-renewal.job.js';

export type { WebhookRenewalResult } from './webhook-renewal.job.js';

const JOB_NAME = 'nestjs-atlassian:webhook-renewal';

/**
 * Renews Jira webhook registrations on `webhooks.renewalCron`, when `webhooks.jiraUrl` is set (no
 * Jira registration can exist without it). Safe with many instances on one database; shutdown waits
 * for a running tick. `runOnce()` runs a tick on demand (tests, operations).
 */
@Injectable()
export class WebhookRenewalScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('WebhookRenewalScheduler');
  private readonly task = new PeriodicTask('webhook_renewal', (shouldStop) =>
    this.sweep(shouldStop),
  );

  /** @internal Nest builds it; the parameters are internal. */
  constructor(
    @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
    private readonly job: WebhookRenewalJob,
    private readonly moduleRef: ModuleRef,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { renewalCron, jiraUrl } = this.options.webhooks;
    if (renewalCron === false || jiraUrl === null) return;
    await this.task.schedule(this.moduleRef, this.logger, {
      name: JOB_NAME,
      cron: renewalCron,
      disableHint: 'set webhooks.renewalCron to false and call WebhookRenewalScheduler.runOnce()',
      failure: 'Webhook renewal tick failed',
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** One tick; a tick still running in this process is joined instead of overlapped. */
  runOnce(): Promise<WebhookRenewalResult> {
    return this.task.run();
  }

  private async sweep(shouldStop: () => boolean): Promise<WebhookRenewalResult> {
    const result: WebhookRenewalResult = {
      renewed: 0,
      reregistered: 0,
      stopped: 0,
      failed: 0,
      superseded: 0,
    };
    await this.job.run(result, shouldStop);
    return result;
  }
}
