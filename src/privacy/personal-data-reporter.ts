import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { ATLASSIAN_OPTIONS } from '../atlassian.constants.js';
import { AtlassianEventPublisher } from '../events/atlassian-event-publisher.js';
import { AtlassianEvents } from '../events/atlassian-events.js';
import { PeriodicTask } from '../jobs/periodic-task.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
import {
  PersonalDataReportJob,
  type PersonalDataReportSummary,
} from './personal-data-report.job.js';

export type { PersonalDataReportSummary } from './personal-data-report.job.js';

const JOB_NAME = 'nestjs-atlassian:personal-data-reporting';

/**
 * Atlassian's personal data reporting on a cron (`personalDataReporting.cron`): every stored
 * Atlassian account id is reported once per cycle period, closed accounts are erased and updated
 * profiles fetched again. Safe with many instances on one database (rows claimed under leases), it
 * resumes after a restart from the table, and needs no user present. `runOnce()` runs a pass on demand.
 */
@Injectable()
export class PersonalDataReporter implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('PersonalDataReporter');
  private readonly task = new PeriodicTask('personal_data_reporting', (shouldStop) =>
    this.pass(shouldStop),
  );

  /** @internal Nest builds it; the parameters are internal. */
  constructor(
    @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
    private readonly job: PersonalDataReportJob,
    private readonly events: AtlassianEventPublisher,
    private readonly moduleRef: ModuleRef,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { enabled, cron } = this.options.personalDataReporting;
    if (!enabled) return;
    await this.task.schedule(this.moduleRef, this.logger, {
      name: JOB_NAME,
      cron,
      disableHint: 'set personalDataReporting.enabled to false',
      failure: 'Personal data reporting failed',
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** One reporting pass now; a pass still running in this process is joined instead of overlapped. */
  runOnce(): Promise<PersonalDataReportSummary> {
    return this.task.run();
  }

  private async pass(shouldStop: () => boolean): Promise<PersonalDataReportSummary> {
    const summary = await this.job.run(shouldStop);
    const { reported, closed, updated, failed, requests, rateLimitedUntil } = summary;
    if (requests > 0 || failed > 0 || rateLimitedUntil)
      this.logger.log(
        `Personal data reported: ${reported} accounts in ${requests} requests, ${closed} closed, ${updated} updated, ${failed} failed` +
          (rateLimitedUntil ? `; rate limited until ${rateLimitedUntil.toISOString()}` : ''),
      );
    this.events.publish(AtlassianEvents.PersonalDataReported, summary);
    return summary;
  }
}
