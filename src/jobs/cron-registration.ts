import type { Logger } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';

/** What `cron`'s CronJob offers that this package uses. */
interface CronJobLike {
  start(): void;
  stop(): void;
  cronTime: { getNextDateFrom(start: Date): { toJSDate(): Date } };
}

/** A registered cron job: how to stop it, and when it fires next after a given instant. */
export interface RegisteredCronJob {
  stop(): void;
  nextTickAfter(instant: Date): Date;
}

type CronJobClass = new (cronTime: string, onTick: () => void) => CronJobLike;

/**
 * Registers `onTick` as a cron job with the host's `ScheduleModule` (the library never calls
 * `ScheduleModule.forRoot()` itself: two would run every job twice). Returns the registered job, or
 * undefined after a warning that names what is missing.
 */
export async function registerCronJob(
  moduleRef: ModuleRef,
  logger: Logger,
  job: { name: string; cron: string; onTick: () => void; disableHint: string },
): Promise<RegisteredCronJob | undefined> {
  let schedule: typeof import('@nestjs/schedule');
  let CronJob: CronJobClass;
  try {
    schedule = await import('@nestjs/schedule');
    // `cron` is @nestjs/schedule's own dependency and an optional peer of this package.
    ({ CronJob } = (await import('cron')) as unknown as { CronJob: CronJobClass });
  } catch (err) {
    logger.warn(
      `${job.name} is off: install @nestjs/schedule (and its cron), or ${job.disableHint}. (${(err as Error).message})`,
    );
    return undefined;
  }
  let registry: InstanceType<typeof schedule.SchedulerRegistry>;
  try {
    registry = moduleRef.get(schedule.SchedulerRegistry, { strict: false });
  } catch {
    logger.warn(
      `${job.name} is off: import ScheduleModule.forRoot() from @nestjs/schedule in your app, or ${job.disableHint}.`,
    );
    return undefined;
  }
  const cronJob = new CronJob(job.cron, job.onTick);
  registry.addCronJob(job.name, cronJob as never);
  cronJob.start();
  return {
    stop: () => {
      cronJob.stop();
      registry.deleteCronJob(job.name);
    },
    nextTickAfter: (instant) => cronJob.cronTime.getNextDateFrom(instant).toJSDate(),
  };
}
